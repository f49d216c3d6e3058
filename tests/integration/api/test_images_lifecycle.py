"""Image states and attributes beyond upload: deactivate/reactivate, hidden images, owner
changes by admins, paths that name no image, and data refused by the format inspector."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.disk_images import iso9660, qcow2_header, tiny_qcow2, vmdk_with_extent
from tests.support.images_api import IMAGES, OCTET, auth, create, names, patch, show, upload


def test_deactivated_images_keep_their_data_from_users(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str]
) -> None:
    image = create(client, member_a, name="paused")
    url = f"{IMAGES}/{image['id']}"
    refused = client.post(f"{url}/actions/deactivate", headers=auth(member_a))
    assert refused.status_code == 403  # queued: nothing to deactivate
    assert upload(client, member_a, image["id"], b"content").status_code == 204
    assert client.post(f"{url}/actions/deactivate", headers=auth(member_a)).status_code == 204
    assert show(client, member_a, image["id"]).json()["status"] == "deactivated"
    assert client.get(f"{url}/file", headers=auth(member_a)).status_code == 403
    assert client.get(f"{url}/file", headers=admin).content == b"content"
    assert client.post(f"{url}/actions/reactivate", headers=auth(member_a)).status_code == 204
    assert show(client, member_a, image["id"]).json()["status"] == "active"
    assert client.get(f"{url}/file", headers=auth(member_a)).content == b"content"


def test_hidden_images_are_listed_only_when_asked_for(
    client: TestClient, member_a: dict[str, str]
) -> None:
    hidden = create(client, member_a, name="hidden", os_hidden=True)
    assert hidden["os_hidden"] is True
    shown = create(client, member_a, name="shown")
    assert names(client, member_a) == ["shown"]
    assert names(client, member_a, "?os_hidden=true") == ["hidden"]
    assert patch(client, member_a, shown["id"], [
        {"op": "replace", "path": "/os_hidden", "value": True}]).json()["os_hidden"] is True
    assert names(client, member_a) == []
    bad = patch(client, member_a, shown["id"], [
        {"op": "replace", "path": "/os_hidden", "value": "yes"}])
    assert bad.status_code == 400


def test_owner_is_set_and_changed_by_admins_only(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str],
    member_b: dict[str, str]
) -> None:
    image = create(client, admin, name="given", owner="f" * 32)
    assert show(client, admin, image["id"]).json()["owner"] == "f" * 32
    moved = patch(client, admin, image["id"], [{"op": "replace", "path": "/owner",
                                                "value": member_a["project_id"]}])
    assert moved.status_code == 200 and moved.json()["owner"] == member_a["project_id"]
    assert names(client, member_a) == ["given"]
    taken = patch(client, member_a, image["id"], [{"op": "replace", "path": "/owner",
                                                   "value": member_b["project_id"]}])
    assert taken.status_code == 403
    assert show(client, member_a, image["id"]).json()["owner"] == member_a["project_id"]


def test_paths_naming_no_image_are_not_found(client: TestClient,
                                             member_a: dict[str, str]) -> None:
    create(client, member_a, name="exists")
    assert client.get(f"{IMAGES}/", headers=auth(member_a)).status_code == 404
    assert client.delete(f"{IMAGES}/", headers=auth(member_a)).status_code == 404


@pytest.mark.parametrize(("disk_format", "data", "reason"), [
    ("qcow2", qcow2_header(backing_file="/etc/passwd"), "backing file"),
    ("qcow2", qcow2_header(data_file=True), "data_file"),
    ("raw", tiny_qcow2(), "the data is qcow2"),
    ("vmdk", vmdk_with_extent(), "vmdk"),
    ("raw", iso9660(), "the data is iso"),
    ("qcow2", b"just some bytes", "the data is raw"),
])
def test_data_that_is_not_its_disk_format_kills_the_image(
    client: TestClient, member_a: dict[str, str], disk_format: str, data: bytes, reason: str
) -> None:
    image = create(client, member_a, name="liar", disk_format=disk_format)
    refused = upload(client, member_a, image["id"], data)
    assert refused.status_code == 400 and reason in refused.json()["error"]["message"]
    shown = show(client, member_a, image["id"]).json()
    assert (shown["status"], shown["size"], shown["checksum"]) == ("killed", None, None)
    assert client.get(f"{IMAGES}/{image['id']}/file", headers=auth(member_a)).status_code == 204


def test_staged_data_is_inspected_too(client: TestClient, member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="staged liar", disk_format="raw")
    refused = client.put(f"{IMAGES}/{image['id']}/stage", content=tiny_qcow2(),
                         headers={**auth(member_a), **OCTET})
    assert refused.status_code == 400, refused.text
    assert "the data is qcow2" in refused.json()["error"]["message"]
    assert show(client, member_a, image["id"]).json()["status"] == "killed"


def test_honest_images_of_each_inspected_format_are_accepted(
    client: TestClient, member_a: dict[str, str]
) -> None:
    for disk_format, data in (("qcow2", tiny_qcow2(b"ok")), ("iso", iso9660(b"ok")),
                              ("raw", b"\0" * 4096), ("aki", b"a kernel")):
        image = create(client, member_a, name=disk_format, disk_format=disk_format)
        assert upload(client, member_a, image["id"], data).status_code == 204, disk_format
        assert show(client, member_a, image["id"]).json()["status"] == "active"
