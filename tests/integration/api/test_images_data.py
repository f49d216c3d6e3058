"""Image data through the API: streamed upload and download, hashes, size cap, shared files."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import DEFAULT_MAX_BODY as MAX_JSON_BODY
from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from tests.support.images_api import IMAGES, OCTET, auth, create, show, upload
from tests.support.settings import make_settings


def stored_files(cloud: Cloud) -> list[Path]:
    root = cloud.settings.data_dir / "images"
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_upload_download_round_trip(client: TestClient, cloud: Cloud,
                                    member_a: dict[str, str]) -> None:
    data = os.urandom(3 * MAX_JSON_BODY + 17)  # well past the JSON body limit: uploads are exempt
    image = create(client, member_a, name="blob")
    response = upload(client, member_a, image["id"], data)
    assert response.status_code == 204, response.text
    shown = show(client, member_a, image["id"]).json()
    assert (shown["status"], shown["size"]) == ("active", len(data))
    assert shown["checksum"] == hashlib.md5(data).hexdigest()  # noqa: S324
    assert (shown["os_hash_algo"], shown["os_hash_value"]) == (
        "sha512", hashlib.sha512(data).hexdigest())
    with client.stream("GET", f"{IMAGES}/{image['id']}/file", headers=auth(member_a)) as down:
        assert down.status_code == 200
        assert down.headers["Content-MD5"] == shown["checksum"]
        assert down.headers["Content-Type"] == "application/octet-stream"
        assert b"".join(down.iter_bytes()) == data
    sha256 = hashlib.sha256(data).hexdigest()
    assert [p.name for p in stored_files(cloud)] == [sha256]  # named by content hash


def test_chunked_upload_without_length(client: TestClient, member_a: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        for i in range(40):
            yield bytes([i]) * 10_000

    image = create(client, member_a, name="chunked")
    response = client.put(f"{IMAGES}/{image['id']}/file", content=chunks(),
                          headers={**auth(member_a), **OCTET})
    assert response.status_code == 204, response.text
    assert show(client, member_a, image["id"]).json()["size"] == 400_000


def test_second_upload_conflicts_and_keeps_first(client: TestClient, cloud: Cloud,
                                                 member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="once")
    assert upload(client, member_a, image["id"], b"first").status_code == 204
    again = upload(client, member_a, image["id"], b"second")
    assert again.status_code == 409 and again.json()["error"]["code"] == 409
    down = client.get(f"{IMAGES}/{image['id']}/file", headers=auth(member_a))
    assert down.content == b"first"
    assert len(stored_files(cloud)) == 1


def test_download_without_data_is_204(client: TestClient, member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="empty")
    response = client.get(f"{IMAGES}/{image['id']}/file", headers=auth(member_a))
    assert response.status_code == 204 and response.content == b""


def test_upload_refusals_change_nothing(client: TestClient, cloud: Cloud,
                                        member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="picky")
    wrong_type = client.put(f"{IMAGES}/{image['id']}/file", content=b"x",
                            headers={**auth(member_a), "Content-Type": "application/json"})
    assert wrong_type.status_code == 415
    unformatted = client.post(IMAGES, json={"name": "no-formats"}, headers=auth(member_a)).json()
    refused = upload(client, member_a, unformatted["id"], b"x")
    assert refused.status_code == 400 and "disk_format" in refused.json()["error"]["message"]
    assert show(client, member_a, image["id"]).json()["status"] == "queued"
    assert stored_files(cloud) == []


@pytest.fixture
def capped(database_url: str, tmp_path: Path) -> Iterator[tuple[Cloud, TestClient]]:
    settings = make_settings(tmp_path / "capped", database_url,
                             image_size_cap=1000)
    cloud = build(settings, follow=False)
    ensure_bootstrapped(cloud)
    with TestClient(create_app(cloud)) as client:
        yield cloud, client
    cloud.close()


def test_image_over_the_size_cap_is_413(capped: tuple[Cloud, TestClient]) -> None:
    from tests.support.identity import password_token

    cloud, client = capped
    admin = {"X-Auth-Token": password_token(client, "admin", "admin-secret", "admin")}
    image = create(client, admin, name="big")
    declared = upload(client, admin, image["id"], b"x" * 1001)
    assert declared.status_code == 413, declared.text

    def streamed() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        for _ in range(3):
            yield b"y" * 400

    chunked = client.put(f"{IMAGES}/{image['id']}/file", content=streamed(),
                         headers={**admin, **OCTET})
    assert chunked.status_code == 413, chunked.text
    assert show(client, admin, image["id"]).json()["status"] == "queued"
    assert stored_files(cloud) == [] and list((cloud.settings.data_dir / "images").glob(
        ".upload-*")) == []
    assert upload(client, admin, image["id"], b"z" * 1000).status_code == 204


def test_shared_file_is_removed_only_with_its_last_image(
    client: TestClient, cloud: Cloud, member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    data = b"the same bytes" * 100
    first = create(client, member_a, name="first")
    second = create(client, member_b, name="second")
    assert upload(client, member_a, first["id"], data).status_code == 204
    assert upload(client, member_b, second["id"], data).status_code == 204
    assert len(stored_files(cloud)) == 1
    assert client.delete(f"{IMAGES}/{first['id']}", headers=auth(member_a)).status_code == 204
    down = client.get(f"{IMAGES}/{second['id']}/file", headers=auth(member_b))
    assert down.status_code == 200 and down.content == data
    assert client.delete(f"{IMAGES}/{second['id']}", headers=auth(member_b)).status_code == 204
    assert stored_files(cloud) == []


def test_racing_uploads_to_one_image_leave_one_winner(cloud: Cloud, client: TestClient,
                                                      member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="raced")
    statuses: list[int] = []

    def put(data: bytes) -> None:
        statuses.append(upload(client, member_a, image["id"], data).status_code)

    threads = [threading.Thread(target=put, args=(bytes([i]) * 50_000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [204, 409, 409, 409]
    shown = show(client, member_a, image["id"]).json()
    down = client.get(f"{IMAGES}/{image['id']}/file", headers=auth(member_a))
    assert hashlib.md5(down.content).hexdigest() == shown["checksum"]  # noqa: S324
    assert [p.name for p in stored_files(cloud)] == [hashlib.sha256(down.content).hexdigest()]


def test_image_read_model_rebuilds_identically(client: TestClient, cloud: Cloud,
                                               member_a: dict[str, str]) -> None:
    from tests.support.images_api import patch

    kept = create(client, member_a, name="kept", kernel_id="k")
    gone = create(client, member_a, name="gone")
    assert upload(client, member_a, kept["id"], b"kept bytes").status_code == 204
    patch(client, member_a, kept["id"], [{"op": "add", "path": "/tags", "value": ["t"]}])
    assert client.delete(f"{IMAGES}/{gone['id']}", headers=auth(member_a)).status_code == 204
    before = cloud.store.query("SELECT * FROM images ORDER BY id")
    runner = cloud.runners["images"]
    runner.reset()
    assert cloud.store.query("SELECT * FROM images") == []
    runner.catch_up()
    assert cloud.store.query("SELECT * FROM images ORDER BY id") == before
