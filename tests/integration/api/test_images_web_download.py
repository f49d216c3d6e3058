"""Glance's web-download import, end to end: the API request, the image import process manager
fetching from a real HTTP server on loopback (ops/tempest/image_server.py), the format inspector
and the image store, on SQLite and PostgreSQL. The worker's pass is run by the test (catch_up),
so nothing waits on a clock."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from ops.roles.image_import import ImageImportHost, assemble_image_import
from ops.tempest.image_server import LoopbackFiles, serving
from tests.support.disk_images import empty_qcow2, qcow2_header
from tests.support.images_api import IMAGES, auth, create, show
from tests.support.settings import make_settings

CAP = 1 << 20  # image_size_cap of this cloud
FILES = {
    "/good.qcow2": empty_qcow2(),
    "/backed.qcow2": qcow2_header(backing_file="/etc/shadow"),
    "/big.raw": b"\0" * (CAP + 1),
}


@pytest.fixture
def loopback() -> Iterator[LoopbackFiles]:
    server = LoopbackFiles(("127.0.0.1", 0), FILES, redirects={"/elsewhere": (
        "http://127.0.0.1:1/good.qcow2")})
    with serving(server):
        yield server


@pytest.fixture
def cloud(database_url: str, tmp_path: Path, loopback: LoopbackFiles) -> Iterator[Cloud]:
    """A cloud whose import filter lets through the loopback server (its port) only."""
    port = str(loopback.server_address[1])
    settings = make_settings(tmp_path / "data", database_url, image_size_cap=CAP,
                             import_allowed_hosts="127.0.0.1", import_allowed_ports=port)
    cloud = build(settings, follow=False)
    ensure_bootstrapped(cloud)
    yield cloud
    cloud.close()


@pytest.fixture
def worker(cloud: Cloud) -> ImageImportHost:
    """The image import process manager, not started: the test runs its passes."""
    return assemble_image_import(cloud.settings, cloud.app, cloud.store, cloud.image_stores,
                                 cloud.web_downloads)


def web_download(client: TestClient, who: dict[str, str], image_id: str, uri: str) -> Any:
    return client.post(f"{IMAGES}/{image_id}/import", headers=auth(who), json={
        "method": {"name": "web-download", "uri": uri}})


def imported(client: TestClient, cloud: Cloud, worker: ImageImportHost, who: dict[str, str],
             disk_format: str, uri: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Request a web-download, check the image is importing, run the worker; the image and
    its tasks then."""
    image = create(client, who, disk_format=disk_format)
    answer = web_download(client, who, image["id"], uri)
    assert answer.status_code == 202, answer.text
    cloud.sync_read_models()
    importing = show(client, who, image["id"]).json()
    assert importing["status"] == "importing"
    assert importing["os_glance_importing_to_stores"] == "file"
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    tasks = client.get(f"{IMAGES}/{image['id']}/tasks", headers=auth(who)).json()["tasks"]
    assert tasks[0]["request_id"] == answer.headers["x-openstack-request-id"]
    return show(client, who, image["id"]).json(), tasks


def test_a_qcow2_over_http_becomes_the_image(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, loopback: LoopbackFiles,
    member_a: dict[str, str]
) -> None:
    data = FILES["/good.qcow2"]
    image, tasks = imported(client, cloud, worker, member_a, "qcow2", loopback.url("/good.qcow2"))
    assert (image["status"], image["size"], image["stores"]) == ("active", len(data), "file")
    assert image["checksum"] == hashlib.md5(data).hexdigest()  # noqa: S324 - Glance's checksum
    assert image["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image["os_glance_failed_import"] == "" == image["os_glance_importing_to_stores"]
    assert "os_glance_import_task" not in image
    assert [(t["status"], t["input"]["import_req"]["method"]["uri"]) for t in tasks] == [
        ("success", loopback.url("/good.qcow2"))]
    got = client.get(f"{IMAGES}/{image['id']}/file", headers=auth(member_a))
    assert got.content == data
    # A replay from position zero finds nothing left to do and fetches nothing.
    fetched = len(loopback.requests)
    again = assemble_image_import(cloud.settings, cloud.app, cloud.store, cloud.image_stores,
                                  cloud.web_downloads)
    again.loop.position = 0
    assert again.loop.catch_up() == 0 and len(loopback.requests) == fetched


@pytest.mark.parametrize(("path", "disk_format", "reason"), [
    ("/backed.qcow2", "qcow2", "backing"),  # the inspector refuses a qcow2 with a backing file
    ("/missing.qcow2", "qcow2", "404"),
    ("/big.raw", "raw", "exceeds"),
    ("/elsewhere", "qcow2", "does not pass filtering"),  # a redirect to another port
])
def test_refused_data_puts_the_image_back_to_queued(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, loopback: LoopbackFiles,
    member_a: dict[str, str], path: str, disk_format: str, reason: str
) -> None:
    image, tasks = imported(client, cloud, worker, member_a, disk_format, loopback.url(path))
    assert image["status"] == "queued" and image["size"] is None
    assert image["os_glance_failed_import"] == "file"
    assert image["os_glance_importing_to_stores"] == ""
    assert [t["status"] for t in tasks] == ["failure"] and reason in tasks[0]["message"]
    assert list(cloud.blobs.root.glob("??/*[0-9a-f]")) == []  # nothing kept in the store
    # Queued again: a second import may be requested.
    assert web_download(client, member_a, image["id"], loopback.url(path)).status_code == 202


@pytest.mark.parametrize("uri", [
    "ftp://127.0.0.1/good.qcow2",  # scheme
    "http://127.0.0.2:{port}/good.qcow2",  # host not allowed
    "http://127.0.0.1:8080/good.qcow2",  # port not allowed
    "http://2130706433:{port}/good.qcow2",  # 127.0.0.1 written as a number
    "http://127.0.0.1:notaport/good.qcow2",
    "not a uri",
])
def test_uris_the_filter_refuses_change_nothing(
    client: TestClient, cloud: Cloud, loopback: LoopbackFiles, member_a: dict[str, str],
    uri: str
) -> None:
    image = create(client, member_a, disk_format="qcow2")
    answer = web_download(client, member_a, image["id"],
                          uri.format(port=loopback.server_address[1]))
    assert answer.status_code == 400, answer.text
    assert "does not pass filtering" in answer.json()["error"]["message"]
    cloud.sync_read_models()
    assert show(client, member_a, image["id"]).json()["status"] == "queued"
    assert client.get(f"{IMAGES}/{image['id']}/tasks",
                      headers=auth(member_a)).json()["tasks"] == []
    assert loopback.requests == []


def test_only_a_queued_image_with_formats_can_be_downloaded_into(
    client: TestClient, cloud: Cloud, loopback: LoopbackFiles, member_a: dict[str, str],
    member_b: dict[str, str]
) -> None:
    image = create(client, member_a, disk_format="qcow2")
    uri = loopback.url("/good.qcow2")
    no_uri = client.post(f"{IMAGES}/{image['id']}/import", headers=auth(member_a),
                         json={"method": {"name": "web-download"}})
    assert no_uri.status_code == 400
    assert web_download(client, member_b, image["id"], uri).status_code == 404
    assert web_download(client, member_a, image["id"], uri).status_code == 202
    assert web_download(client, member_a, image["id"], uri).status_code == 409  # importing
    bare = client.post(IMAGES, json={"name": "no formats"}, headers=auth(member_a)).json()
    assert web_download(client, member_a, bare["id"], uri).status_code == 400
    assert loopback.requests == []  # the API itself fetches nothing


def test_an_image_deleted_before_its_download_fails_its_task(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, loopback: LoopbackFiles,
    member_a: dict[str, str], admin: dict[str, str]
) -> None:
    image = create(client, member_a, disk_format="qcow2")
    assert web_download(client, member_a, image["id"],
                        loopback.url("/good.qcow2")).status_code == 202
    tasks = client.get(f"{IMAGES}/{image['id']}/tasks", headers=auth(member_a)).json()["tasks"]
    assert client.delete(f"{IMAGES}/{image['id']}", headers=auth(member_a)).status_code == 204
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    task = client.get(f"/image/v2/tasks/{tasks[0]['id']}", headers=admin).json()
    assert task["status"] == "failure" and "deleted" in task["message"]
    assert loopback.requests == []
    worker.loop.position = 0
    assert worker.loop.catch_up() == 0  # recorded once
