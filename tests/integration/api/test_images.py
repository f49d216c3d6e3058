"""Image v2 metadata through the API: create, show, list (filters, sorting, paging), patch,
tags, delete, schemas."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.support.images_api import IMAGES, auth, create, names, patch, show


def test_create_shows_glance_shape_with_extra_properties(
    client: TestClient, member_a: dict[str, str]
) -> None:
    explicit = str(uuid.uuid4())
    image = create(client, member_a, id=explicit, name="kernel", disk_format="aki",
                   container_format="aki", kernel_id="k-1", ramdisk_id="r-1",
                   hypervisor_type="qemu", min_ram=64, tags=["a", "b", "a"])
    assert image["id"] == explicit
    assert (image["status"], image["visibility"], image["owner"]) == (
        "queued", "shared", member_a["project_id"])
    assert (image["kernel_id"], image["ramdisk_id"], image["hypervisor_type"]) == (
        "k-1", "r-1", "qemu")
    assert image["tags"] == ["a", "b"] and image["min_ram"] == 64 and image["min_disk"] == 0
    assert image["self"] == f"/v2/images/{explicit}"
    assert image["file"] == f"/v2/images/{explicit}/file"
    assert image["schema"] == "/v2/schemas/image"
    assert image["size"] is None and image["checksum"] is None and image["protected"] is False
    shown = show(client, member_a, explicit)
    assert shown.status_code == 200 and shown.json() == image


def test_duplicate_explicit_id_conflicts(client: TestClient, member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="one")
    again = client.post(IMAGES, json={"id": image["id"], "name": "two"}, headers=auth(member_a))
    assert again.status_code == 409


def test_list_filters_sorting_and_paging(client: TestClient, member_a: dict[str, str]) -> None:
    for name, fmt in (("c", "raw"), ("a", "qcow2"), ("b", "raw"), ("d", "iso")):
        create(client, member_a, name=name, disk_format=fmt, hypervisor_type=f"hv-{name}",
               tags=["gold"] if name in "ab" else [])
    assert names(client, member_a) == ["d", "b", "a", "c"]  # newest first by default
    assert names(client, member_a, "?sort_key=name&sort_dir=asc") == ["a", "b", "c", "d"]
    assert names(client, member_a, "?sort=name:desc") == ["d", "c", "b", "a"]
    assert names(client, member_a, "?name=b") == ["b"]
    assert names(client, member_a, "?status=active") == []
    shared_raw = "?visibility=shared&sort=name:asc&disk_format=raw"  # Glance's default
    assert names(client, member_a, shared_raw) == ["b", "c"]
    assert names(client, member_a, "?visibility=private") == []
    assert names(client, member_a, f"?owner={member_a['project_id']}&tag=gold&sort=name:asc") == [
        "a", "b"]
    assert names(client, member_a, "?hypervisor_type=hv-c") == ["c"]
    assert names(client, member_a, "?os_hidden=true") == []
    first = client.get(f"{IMAGES}?limit=3&sort=name:asc", headers=auth(member_a)).json()
    assert [i["name"] for i in first["images"]] == ["a", "b", "c"]
    assert first["next"].startswith("/v2/images?")
    rest = client.get("/image" + first["next"], headers=auth(member_a)).json()
    assert [i["name"] for i in rest["images"]] == ["d"] and "next" not in rest


def test_patch_core_attributes_properties_and_tags(
    client: TestClient, member_a: dict[str, str]
) -> None:
    image = create(client, member_a, name="old", kernel_id="k-1", os_distro="cirros")
    ops = [{"op": "replace", "path": "/name", "value": "new"},
           {"op": "replace", "path": "/min_disk", "value": 2},
           {"op": "add", "path": "/min_ram", "value": 128},
           {"op": "replace", "path": "/protected", "value": True},
           {"op": "add", "path": "/tags", "value": ["x", "y"]},
           {"op": "add", "path": "/ramdisk_id", "value": "r-1"},
           {"op": "replace", "path": "/kernel_id", "value": "k-2"},
           {"op": "remove", "path": "/os_distro"},
           {"op": "replace", "path": "/visibility", "value": "shared"}]
    response = patch(client, member_a, image["id"], ops)
    assert response.status_code == 200, response.text
    for body in (response.json(), show(client, member_a, image["id"]).json()):
        assert (body["name"], body["min_disk"], body["min_ram"], body["protected"]) == (
            "new", 2, 128, True)
        assert (body["tags"], body["ramdisk_id"], body["kernel_id"]) == (["x", "y"], "r-1", "k-2")
        assert "os_distro" not in body and body["visibility"] == "shared"
    v20 = client.patch(f"{IMAGES}/{image['id']}", json=[{"replace": "/name", "value": "v20"}],
                       headers={**auth(member_a),
                                "Content-Type": "application/openstack-images-v2.0-json-patch"})
    assert v20.status_code == 200 and v20.json()["name"] == "v20"


def test_tags_endpoints(client: TestClient, member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="tagged", tags=["a"])
    url = f"{IMAGES}/{image['id']}/tags"
    assert client.put(f"{url}/b", headers=auth(member_a)).status_code == 204
    assert client.put(f"{url}/b", headers=auth(member_a)).status_code == 204
    assert client.delete(f"{url}/a", headers=auth(member_a)).status_code == 204
    assert client.delete(f"{url}/zzz", headers=auth(member_a)).status_code == 404
    assert show(client, member_a, image["id"]).json()["tags"] == ["b"]


def test_delete_and_protected_delete(client: TestClient, member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="keep", protected=True)
    refused = client.delete(f"{IMAGES}/{image['id']}", headers=auth(member_a))
    assert refused.status_code == 403 and "protected" in refused.json()["error"]["message"]
    assert show(client, member_a, image["id"]).status_code == 200
    assert patch(client, member_a, image["id"],
                 [{"op": "replace", "path": "/protected", "value": False}]).status_code == 200
    assert client.delete(f"{IMAGES}/{image['id']}", headers=auth(member_a)).status_code == 204
    assert show(client, member_a, image["id"]).status_code == 404
    assert client.delete(f"{IMAGES}/{image['id']}", headers=auth(member_a)).status_code == 404
    assert names(client, member_a) == []


def test_unknown_or_malformed_id_is_404(client: TestClient, member_a: dict[str, str]) -> None:
    for image_id in (str(uuid.uuid4()), "not-a-uuid", member_a["project_id"]):
        response = show(client, member_a, image_id)
        assert response.status_code == 404 and response.json()["error"]["code"] == 404


def test_schemas(client: TestClient, member_a: dict[str, str]) -> None:
    image = client.get("/image/v2/schemas/image", headers=auth(member_a))
    images = client.get("/image/v2/schemas/images", headers=auth(member_a))
    assert image.status_code == images.status_code == 200
    assert image.json()["name"] == "image" and "qcow2" in image.json()["properties"][
        "disk_format"]["enum"]
    assert images.json()["properties"]["images"]["items"]["name"] == "image"
    assert client.get("/image/v2/schemas/image").status_code == 401
