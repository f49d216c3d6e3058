"""web-download into several stores (Glance's enabled_backends), as Glance imports a download:
staged, then into each store of the request (`stores`, `all_stores`, else the default store);
a store that cannot take it fails the import unless all_stores_must_succeed is false. A real
HTTP server on loopback, real store directories, SQLite and PostgreSQL; the worker's pass is
run by the test."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud, build
from ops.embedded import image_copier
from ops.first_start import ensure_bootstrapped
from ops.roles.image_import import ImageImportHost, assemble_image_import
from ops.tempest.image_server import LoopbackFiles, serving
from tests.support.disk_images import empty_qcow2
from tests.support.images_api import IMAGES, auth, create, show
from tests.support.settings import make_settings

DATA = empty_qcow2()


@pytest.fixture
def loopback() -> Iterator[LoopbackFiles]:
    server = LoopbackFiles(("127.0.0.1", 0), {"/good.qcow2": DATA})
    with serving(server):
        yield server


@pytest.fixture
def cloud(database_url: str, tmp_path: Path, loopback: LoopbackFiles) -> Iterator[Cloud]:
    """Stores `file`, `fast` (the default) and `cheap`; the loopback server may be fetched."""
    settings = make_settings(tmp_path / "data", database_url,
                             image_stores="fast:fast-images,cheap:cheap-images",
                             default_image_store="fast", import_allowed_hosts="127.0.0.1",
                             import_allowed_ports=str(loopback.server_address[1]))
    cloud = build(settings, follow=False)
    ensure_bootstrapped(cloud)
    yield cloud
    cloud.close()


@pytest.fixture
def worker(cloud: Cloud) -> ImageImportHost:
    return assemble_image_import(cloud.settings, cloud.app, cloud.store, cloud.image_stores,
                                 cloud.web_downloads, image_copier(cloud))


def downloaded(client: TestClient, cloud: Cloud, worker: ImageImportHost, loopback: LoopbackFiles,
               who: dict[str, str], importing: str, **body: Any) -> dict[str, Any]:
    """Request the download, see which stores it imports to, run the worker: the image."""
    image = create(client, who, disk_format="qcow2")["id"]
    answer = client.post(f"{IMAGES}/{image}/import", headers=auth(who), json={
        "method": {"name": "web-download", "uri": loopback.url("/good.qcow2")}, **body})
    assert answer.status_code == 202, answer.text
    cloud.sync_read_models()
    assert show(client, who, image).json()["os_glance_importing_to_stores"] == importing
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    shown: dict[str, Any] = show(client, who, image).json()
    return shown


def held_in(cloud: Cloud) -> list[str]:
    content_hash = hashlib.sha256(DATA).hexdigest()
    return [sid for sid, files in cloud.image_stores.all() if files.exists(content_hash)]


def staging_left(cloud: Cloud) -> list[Path]:
    """Temporary files of a stage or a copy left in any store's directory."""
    return [p for _, files in cloud.image_stores.all() if files.root.is_dir()
            for p in files.root.glob(".upload-*")]


def tasks_of(client: TestClient, who: dict[str, str], image: str) -> list[tuple[Any, ...]]:
    tasks = client.get(f"{IMAGES}/{image}/tasks", headers=auth(who)).json()["tasks"]
    return [(t["status"], t["input"]["backend"]) for t in tasks]


def break_store(cloud: Cloud, store: str) -> None:
    directory = cloud.settings.data_dir / f"{store}-images"
    shutil.rmtree(directory)
    directory.write_bytes(b"not a directory")  # nothing can be written into this store


def test_into_the_named_stores_or_the_default_one(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, loopback: LoopbackFiles,
    member_a: dict[str, str]
) -> None:
    image = downloaded(client, cloud, worker, loopback, member_a, "cheap,file",
                       stores=["file", "cheap"])
    assert (image["status"], image["stores"], image["os_glance_failed_import"]) == (
        "active", "cheap,file", "")
    assert tasks_of(client, member_a, image["id"]) == [("success", ["file", "cheap"])]
    assert held_in(cloud) == ["file", "cheap"]
    got = client.get(f"{IMAGES}/{image['id']}/file", headers=auth(member_a))
    assert got.content == DATA
    # With no store named, Glance imports to its default_backend.
    other = downloaded(client, cloud, worker, loopback, member_a, "fast")
    assert (other["status"], other["stores"]) == ("active", "fast")
    assert held_in(cloud) == ["file", "fast", "cheap"] and staging_left(cloud) == []


def test_a_store_failing_fails_the_import_when_all_must_succeed(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, loopback: LoopbackFiles,
    member_a: dict[str, str]
) -> None:
    break_store(cloud, "cheap")
    image = downloaded(client, cloud, worker, loopback, member_a, "cheap,fast,file",
                       all_stores=True)
    assert (image["status"], image["os_glance_importing_to_stores"],
            image["os_glance_failed_import"]) == ("queued", "", "cheap,fast,file")
    assert "os_glance_import_task" not in image
    assert tasks_of(client, member_a, image["id"]) == [
        ("failure", ["file", "fast", "cheap"])]
    assert held_in(cloud) == [] and staging_left(cloud) == []


def test_a_store_failing_leaves_the_others_when_not_all_must_succeed(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, loopback: LoopbackFiles,
    member_a: dict[str, str]
) -> None:
    break_store(cloud, "cheap")
    image = downloaded(client, cloud, worker, loopback, member_a, "cheap,fast,file",
                       all_stores=True, all_stores_must_succeed=False)
    assert (image["status"], image["stores"], image["os_glance_importing_to_stores"],
            image["os_glance_failed_import"]) == ("active", "fast,file", "", "cheap")
    assert tasks_of(client, member_a, image["id"]) == [
        ("success", ["file", "fast", "cheap"])]
    assert held_in(cloud) == ["file", "fast"] and staging_left(cloud) == []
