"""Interoperable image import through the API: discovery, staging, glance-direct and copy-image,
the tasks that record them, and the download method this cloud refuses (glance-download: no
other region). web-download: test_images_web_download.py."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from tests.support.images_api import IMAGES, OCTET, auth, create, show, upload


def test_discovery_lists_the_methods_and_the_one_store(
    client: TestClient, member_a: dict[str, str]
) -> None:
    methods = client.get("/image/v2/info/import", headers=auth(member_a)).json()
    assert methods["import-methods"]["value"] == ["glance-direct", "copy-image", "web-download"]
    stores = client.get("/image/v2/info/stores", headers=auth(member_a)).json()["stores"]
    assert stores == [{"id": "file", "description": "Image files stored by content hash",
                       "default": True}]


def test_stage_then_glance_direct_import(client: TestClient, admin: dict[str, str],
                                         member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="imported")
    url = f"{IMAGES}/{image['id']}"
    staged = client.put(f"{url}/stage", content=b"staged bytes", headers={**auth(member_a),
                                                                          **OCTET})
    assert staged.status_code == 204, staged.text
    assert show(client, member_a, image["id"]).json()["status"] == "uploading"
    assert client.get(f"{url}/file", headers=auth(member_a)).status_code == 204
    done = client.post(f"{url}/import", json={"method": {"name": "glance-direct"}},
                       headers=auth(member_a))
    assert done.status_code == 202, done.text
    shown = show(client, member_a, image["id"]).json()
    assert (shown["status"], shown["size"], shown["stores"]) == ("active", 12, "file")
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(b"staged bytes").hexdigest()
    assert shown["os_glance_failed_import"] == "" == shown["os_glance_importing_to_stores"]
    assert client.get(f"{url}/file", headers=auth(member_a)).content == b"staged bytes"
    tasks = client.get(f"{url}/tasks", headers=auth(member_a)).json()["tasks"]
    assert [(t["status"], t["type"]) for t in tasks] == [("success", "api_image_import")]
    assert tasks[0]["request_id"] == done.headers["x-openstack-request-id"]
    assert tasks[0]["input"]["import_req"]["method"]["name"] == "glance-direct"
    task = client.get(f"/image/v2/tasks/{tasks[0]['id']}", headers=admin)
    assert task.status_code == 200 and task.json()["image_id"] == image["id"]
    assert client.get(f"/image/v2/tasks/{tasks[0]['id']}", headers=auth(member_a)).status_code == (
        403)  # Glance's tasks API is an operator's
    again = client.post(f"{url}/import", json={"method": {"name": "glance-direct"}},
                        headers=auth(member_a))
    assert again.status_code == 409  # nothing is staged any more


def test_copy_image_of_an_active_image_finishes_at_once(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str]
) -> None:
    image = create(client, member_a, name="copied")
    body = {"method": {"name": "copy-image"}, "all_stores": True,
            "all_stores_must_succeed": False}
    url = f"{IMAGES}/{image['id']}/import"
    assert client.post(url, json=body, headers=admin).status_code == 409  # no data yet
    assert upload(client, member_a, image["id"], b"data").status_code == 204
    assert client.post(url, json=body, headers=admin).status_code == 202
    shown = show(client, member_a, image["id"]).json()
    assert shown["os_glance_importing_to_stores"] == "" and shown["status"] == "active"


def test_refused_import_requests_change_nothing(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str],
    member_b: dict[str, str]
) -> None:
    image = create(client, member_a, name="queued")
    url = f"{IMAGES}/{image['id']}/import"
    remote = client.post(url, json={"method": {"name": "glance-download", "glance_image_id": (
        image["id"]), "glance_region": "RegionTwo"}}, headers=auth(member_a))
    assert remote.status_code == 400 and "no other region" in remote.json()["error"]["message"]
    for bad in ({"method": {"name": "teleport"}}, {"method": "glance-direct"}, [],
                {"method": {"name": "glance-direct"}, "stores": "file"}):
        assert client.post(url, json=bad, headers=auth(member_a)).status_code == 400, bad
    unknown = {"method": {"name": "glance-direct"}, "stores": ["ceph"]}
    assert client.post(url, json=unknown, headers=auth(member_a)).status_code == 409  # Glance's
    assert client.post(url, json={"method": {"name": "glance-direct"}},
                       headers=auth(member_a)).status_code == 409  # nothing staged
    assert client.post(url, json={"method": {"name": "glance-direct"}},
                       headers=auth(member_b)).status_code == 404
    staged = client.put(f"{IMAGES}/{image['id']}/stage", content=b"x",
                        headers={**auth(member_b), **OCTET})
    assert staged.status_code == 404
    legacy = {"type": "import", "input": {
        "import_from": "http://example.invalid/x.qcow2", "import_from_format": "qcow2",
        "image_properties": {"disk_format": "qcow2", "container_format": "bare"}}}
    assert client.post("/image/v2/tasks", json=legacy, headers=admin).status_code == 400
    assert client.post("/image/v2/tasks", json=legacy, headers=auth(member_a)).status_code == 403
    shown = show(client, member_a, image["id"]).json()
    assert shown["status"] == "queued" and client.get(
        f"{IMAGES}/{image['id']}/tasks", headers=auth(member_a)).json()["tasks"] == []
