"""Multi-store (Glance's enabled_backends) through the API, on SQLite and PostgreSQL: the stores
listing and its details, uploads to a chosen store, glance-direct into several stores,
copy-image run by the image import process manager (its pass run by the test, so nothing waits
on a clock), removing one copy, and deleting an image from every store. Each store is a real
directory under the data dir."""

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
from tests.support.images_api import IMAGES, OCTET, auth, create, show, upload
from tests.support.settings import make_settings

STORES = "/image/v2/info/stores"


@pytest.fixture
def cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    """Three stores: `file` (<data>/images), `fast` (the default) and `cheap`."""
    settings = make_settings(tmp_path / "data", database_url,
                             image_stores="fast:fast-images,cheap:cheap-images",
                             default_image_store="fast")
    cloud = build(settings, follow=False)
    ensure_bootstrapped(cloud)
    yield cloud
    cloud.close()


@pytest.fixture
def worker(cloud: Cloud) -> ImageImportHost:
    """The image import process manager, not started: the test runs its passes."""
    return assemble_image_import(cloud.settings, cloud.app, cloud.store, cloud.image_stores,
                                 cloud.web_downloads, image_copier(cloud))


def held_in(cloud: Cloud, data: bytes) -> list[str]:
    """The stores whose directory holds a file of these bytes."""
    content_hash = hashlib.sha256(data).hexdigest()
    return [sid for sid, files in cloud.image_stores.all() if files.exists(content_hash)]


def copy_image(client: TestClient, who: dict[str, str], image_id: str, **body: Any) -> Any:
    return client.post(f"{IMAGES}/{image_id}/import", headers=auth(who),
                       json={"method": {"name": "copy-image"}, **body})


def test_stores_listing_and_details(client: TestClient, admin: dict[str, str],
                                    member_a: dict[str, str], cloud: Cloud) -> None:
    stores = client.get(STORES, headers=auth(member_a)).json()["stores"]
    assert [(s["id"], s.get("default")) for s in stores] == [
        ("file", None), ("fast", True), ("cheap", None)]
    assert client.get(f"{STORES}/detail", headers=auth(member_a)).status_code == 403
    detail = client.get(f"{STORES}/detail", headers=admin).json()["stores"]
    assert [(s["type"], s["properties"]["data_dir"]) for s in detail] == [
        ("file", str(cloud.settings.data_dir / d)) for d in ("images", "fast-images",
                                                            "cheap-images")]


def test_upload_to_a_chosen_store_copy_it_and_remove_a_copy(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, admin: dict[str, str],
    member_a: dict[str, str]
) -> None:
    image = create(client, member_a)["id"]
    headers = {**auth(member_a), **OCTET}
    bad = client.put(f"{IMAGES}/{image}/file", content=b"d", headers={
        **headers, "X-Image-Meta-Store": "ceph"})
    assert bad.status_code == 400 and show(client, member_a, image).json()["status"] == "queued"
    put = client.put(f"{IMAGES}/{image}/file", content=b"data", headers={
        **headers, "X-Image-Meta-Store": "cheap"})
    assert put.status_code == 204, put.text
    assert show(client, member_a, image).json()["stores"] == "cheap"
    assert held_in(cloud, b"data") == ["cheap"]
    assert copy_image(client, admin, image, stores=["cheap"]).status_code == 400  # already there
    assert copy_image(client, admin, image, stores=["ceph"]).status_code == 409
    assert copy_image(client, admin, image, stores=["fast"]).status_code == 202
    cloud.sync_read_models()
    copying = show(client, member_a, image).json()
    assert (copying["stores"], copying["os_glance_importing_to_stores"]) == ("cheap", "fast")
    assert copy_image(client, admin, image, stores=["file"]).status_code == 409  # locked
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    copied = show(client, member_a, image).json()
    assert (copied["stores"], copied["os_glance_importing_to_stores"],
            copied["os_glance_failed_import"]) == ("cheap,fast", "", "")
    assert "os_glance_import_task" not in copied
    assert held_in(cloud, b"data") == ["fast", "cheap"]
    tasks = client.get(f"{IMAGES}/{image}/tasks", headers=auth(member_a)).json()["tasks"]
    assert [(t["status"], t["input"]["backend"]) for t in tasks] == [("success", ["fast"])]
    worker.loop.position = 0  # a replay copies nothing again
    assert worker.loop.catch_up() == 0
    one_copy = f"/image/v2/stores/cheap/{image}"
    assert client.delete(one_copy, headers=auth(member_a)).status_code == 403
    assert client.delete(f"/image/v2/stores/ceph/{image}", headers=admin).status_code == 409
    assert client.delete(one_copy, headers=admin).status_code == 204
    assert client.delete(one_copy, headers=admin).status_code == 404  # not there any more
    assert client.delete(f"/image/v2/stores/fast/{image}", headers=admin).status_code == 403
    assert show(client, member_a, image).json()["stores"] == "fast"
    assert held_in(cloud, b"data") == ["fast"]
    assert client.get(f"{IMAGES}/{image}/file", headers=auth(member_a)).content == b"data"


def test_glance_direct_into_several_stores_then_delete(
    client: TestClient, cloud: Cloud, member_a: dict[str, str]
) -> None:
    image = create(client, member_a)["id"]
    url = f"{IMAGES}/{image}"
    assert client.put(f"{url}/stage", content=b"staged",
                      headers={**auth(member_a), **OCTET}).status_code == 204
    assert held_in(cloud, b"staged") == ["file"]  # staged data waits in the file store
    for bad, code in (({"stores": ["fast"], "all_stores": True}, 400),
                      ({"stores": ["ceph"]}, 409)):
        answer = client.post(f"{url}/import", headers=auth(member_a),
                             json={"method": {"name": "glance-direct"}, **bad})
        assert answer.status_code == code, bad
    done = client.post(f"{url}/import", headers=auth(member_a), json={
        "method": {"name": "glance-direct"}, "stores": ["cheap", "fast"]})
    assert done.status_code == 202, done.text
    shown = show(client, member_a, image).json()
    assert (shown["status"], shown["stores"]) == ("active", "cheap,fast")
    assert held_in(cloud, b"staged") == ["fast", "cheap"]  # no longer in the file store
    # Another image of the same bytes, uploaded to the default store (fast).
    other = create(client, member_a)["id"]
    assert upload(client, member_a, other, b"staged").status_code == 204
    assert show(client, member_a, other).json()["stores"] == "fast"
    assert client.delete(url, headers=auth(member_a)).status_code == 204
    assert held_in(cloud, b"staged") == ["fast"]  # the other image still needs it there
    assert client.delete(f"{IMAGES}/{other}", headers=auth(member_a)).status_code == 204
    assert held_in(cloud, b"staged") == []


def break_store(cloud: Cloud, store: str) -> Path:
    """Make a store unwritable for real: its directory becomes a plain file."""
    directory = cloud.settings.data_dir / f"{store}-images"
    shutil.rmtree(directory)
    directory.write_bytes(b"not a directory")
    return directory


def import_outcome(client: TestClient, who: dict[str, str], image: str) -> tuple[str, ...]:
    shown = show(client, who, image).json()
    return (shown["stores"], shown["os_glance_importing_to_stores"],
            shown["os_glance_failed_import"], "os_glance_import_task" in shown)


def tasks_of(client: TestClient, who: dict[str, str], image: str) -> list[tuple[Any, ...]]:
    tasks = client.get(f"{IMAGES}/{image}/tasks", headers=auth(who)).json()["tasks"]
    return [(t["status"], t["input"]["backend"], t["message"]) for t in tasks]


@pytest.mark.parametrize("must_succeed", [True, False])
def test_glance_direct_into_a_broken_store(
    client: TestClient, cloud: Cloud, member_a: dict[str, str], must_succeed: bool
) -> None:
    """A store that cannot take the staged data: the import fails and the image stays staged
    for another try, unless all_stores_must_succeed is false (then the other store has it)."""
    image = create(client, member_a)["id"]
    url = f"{IMAGES}/{image}"
    assert client.put(f"{url}/stage", content=b"staged",
                      headers={**auth(member_a), **OCTET}).status_code == 204
    broken = break_store(cloud, "cheap")
    answer = client.post(f"{url}/import", headers=auth(member_a), json={
        "method": {"name": "glance-direct"}, "stores": ["cheap", "fast"],
        "all_stores_must_succeed": must_succeed})
    assert answer.status_code == 202, answer.text
    shown = show(client, member_a, image).json()
    [(status, backend, _)] = tasks_of(client, member_a, image)
    assert (shown["os_glance_failed_import"], backend) == ("cheap", ["cheap", "fast"])
    if not must_succeed:
        assert (shown["status"], shown["stores"], status) == ("active", "fast", "success")
        assert held_in(cloud, b"staged") == ["fast"]
        return
    assert (shown["status"], status) == ("uploading", "failure")
    assert held_in(cloud, b"staged") == ["file"]  # still staged; nothing left in fast
    broken.unlink()
    broken.mkdir()
    again = client.post(f"{url}/import", headers=auth(member_a), json={
        "method": {"name": "glance-direct"}, "stores": ["cheap", "fast"]})
    assert again.status_code == 202, again.text
    shown = show(client, member_a, image).json()
    assert (shown["status"], shown["stores"], shown["os_glance_failed_import"]) == (
        "active", "cheap,fast", "")


def test_a_failed_copy_reverts_the_import_when_all_stores_must_succeed(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, admin: dict[str, str],
    member_a: dict[str, str]
) -> None:
    """As Glance's flow reverts: `file` was copied first, then `cheap` failed; `file` goes
    again (its file too), `cheap` is the failed store, the image's own store stays."""
    image = create(client, member_a)["id"]
    assert upload(client, member_a, image, b"bytes").status_code == 204  # into fast
    broken = break_store(cloud, "cheap")
    answer = copy_image(client, admin, image, all_stores=True)  # file, then cheap
    assert answer.status_code == 202, answer.text
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    assert import_outcome(client, member_a, image) == ("fast", "", "cheap", False)
    assert held_in(cloud, b"bytes") == ["fast"]
    [(status, backend, message)] = tasks_of(client, member_a, image)
    assert (status, backend) == ("failure", ["file", "cheap"])
    assert message.startswith("Copying to cheap failed: ")
    assert client.get(f"{IMAGES}/{image}/file", headers=auth(member_a)).content == b"bytes"
    # A crash between the revert's record and its copies' removal: a replay removes them.
    leftover = Path(cloud.blobs.path(hashlib.sha256(b"bytes").hexdigest()))
    leftover.write_bytes(b"bytes")
    worker.loop.position = 0
    assert worker.loop.catch_up() == 0  # nothing copied or recorded again
    assert held_in(cloud, b"bytes") == ["fast"]
    # Once the store works again, copying into it clears its failure, as Glance does.
    broken.unlink()
    broken.mkdir()
    assert copy_image(client, admin, image, stores=["cheap"]).status_code == 202
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    assert import_outcome(client, member_a, image) == ("cheap,fast", "", "", False)
    assert held_in(cloud, b"bytes") == ["fast", "cheap"]


def test_a_failed_copy_leaves_the_others_when_not_all_must_succeed(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, admin: dict[str, str],
    member_a: dict[str, str]
) -> None:
    image = create(client, member_a)["id"]
    assert upload(client, member_a, image, b"bytes").status_code == 204
    break_store(cloud, "cheap")
    answer = copy_image(client, admin, image, stores=["cheap", "file"],
                        all_stores_must_succeed=False)
    assert answer.status_code == 202, answer.text
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    assert import_outcome(client, member_a, image) == ("fast,file", "", "cheap", False)
    assert held_in(cloud, b"bytes") == ["file", "fast"]
    assert tasks_of(client, member_a, image) == [("success", ["cheap", "file"], "")]


def test_a_copy_of_damaged_data_leaves_nothing_behind(
    client: TestClient, cloud: Cloud, worker: ImageImportHost, admin: dict[str, str],
    member_a: dict[str, str]
) -> None:
    """The file in the image's store was cut short: the copy into `cheap` reads it to the end,
    finds its hash is not the image's and fails; what it wrote is gone, and `file`, not tried
    yet, is no longer importing."""
    data = bytes(range(256)) * 64
    image = create(client, member_a)["id"]
    assert upload(client, member_a, image, data).status_code == 204  # into fast
    source = Path(cloud.image_stores.get("fast").path(hashlib.sha256(data).hexdigest()))
    source.write_bytes(data[:1000])
    answer = copy_image(client, admin, image, stores=["cheap", "file"])
    assert answer.status_code == 202, answer.text
    assert worker.loop.catch_up() == 1
    cloud.sync_read_models()
    assert import_outcome(client, member_a, image) == ("fast", "", "cheap", False)
    cheap = cloud.settings.data_dir / "cheap-images"
    left = [p for p in cheap.rglob("*") if p.is_file() and p.name != ".lock"]
    assert left == []  # nor a partial copy (adapters/blobs.py's lock files stay, by design)
    assert held_in(cloud, data) == ["fast"]  # the damaged file, under the image's hash
    [(status, _, message)] = tasks_of(client, member_a, image)
    assert status == "failure" and "sha256 differs" in message
