"""Glance metadata definitions through the API: namespaces and their objects, properties, tags
and resource type associations; admins write, everyone reads what is visible; schemas."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.images_api import auth

NS = "/image/v2/metadefs/namespaces"


def test_namespace_lifecycle_with_protection_and_visibility(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str]
) -> None:
    types = client.get("/image/v2/metadefs/resource_types", headers=auth(member_a)).json()
    first = types["resource_types"][0]["name"]
    body = {"namespace": "OS::Test::Disk", "display_name": "Disk", "description": "d",
            "visibility": "public", "protected": True,
            "resource_type_associations": [{"name": first}]}
    created = client.post(NS, json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["resource_type_associations"][0]["name"] == first
    assert client.post(NS, json=body, headers=admin).status_code == 409
    assert client.post(NS, json={**body, "namespace": "x"}, headers=auth(member_a)).status_code \
        == 403
    listed = client.get(NS, headers=auth(member_a)).json()["namespaces"]
    assert [n["namespace"] for n in listed] == ["OS::Test::Disk"]
    url = f"{NS}/OS::Test::Disk"
    assert client.delete(url, headers=admin).status_code == 403  # protected
    updated = client.put(url, json={"namespace": "OS::Test::Disk", "visibility": "private",
                                    "protected": False}, headers=admin)
    assert updated.status_code == 200 and updated.json()["visibility"] == "private"
    assert client.get(url, headers=auth(member_a)).status_code == 404  # private: the admin's
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    again = client.post(NS, json={"namespace": "OS::Test::Disk"}, headers=admin)
    assert again.status_code == 201 and "resource_type_associations" not in again.json()


def test_objects_properties_tags_and_associations(
    client: TestClient, cloud: Cloud, admin: dict[str, str]
) -> None:
    assert client.post(NS, json={"namespace": "ns1", "visibility": "public"},
                       headers=admin).status_code == 201
    url = f"{NS}/ns1"
    obj = client.post(f"{url}/objects", json={"name": "o1", "description": "first"},
                      headers=admin)
    assert obj.status_code == 201 and obj.json()["self"].endswith("/objects/o1")
    renamed = client.put(f"{url}/objects/o1", json={"name": "o2"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "o2"
    assert client.get(f"{url}/objects/o1", headers=admin).status_code == 404
    assert [o["name"] for o in client.get(f"{url}/objects", headers=admin).json()[
        "objects"]] == ["o2"]
    prop = {"name": "hypervisor", "title": "Hypervisor", "type": "string", "enum": ["kvm"]}
    assert client.post(f"{url}/properties", json=prop, headers=admin).status_code == 201
    changed = client.put(f"{url}/properties/hypervisor", json={**prop, "title": "HV"},
                         headers=admin)
    assert changed.json()["title"] == "HV"
    assert client.get(f"{url}/properties", headers=admin).json()["properties"] == {
        "hypervisor": {**prop, "title": "HV"}}
    tags = client.post(f"{url}/tags", json={"tags": [{"name": "a"}, {"name": "b"}]},
                       headers=admin)
    assert tags.status_code == 201 and [t["name"] for t in tags.json()["tags"]] == ["a", "b"]
    assert client.post(f"{url}/tags/c", headers=admin).status_code == 201
    assert client.put(f"{url}/tags/c", json={"name": "d"}, headers=admin).json()["name"] == "d"
    assert client.delete(f"{url}/tags/d", headers=admin).status_code == 204
    assert client.delete(f"{url}/tags", headers=admin).status_code == 204
    assert client.get(f"{url}/tags", headers=admin).json()["tags"] == []
    assoc = client.post(f"{url}/resource_types", json={"name": "OS::Glance::Image"},
                        headers=admin)
    assert assoc.status_code == 201 and assoc.json()["name"] == "OS::Glance::Image"
    assert client.delete(f"{url}/resource_types/OS::Glance::Image",
                         headers=admin).status_code == 204
    assert client.get(f"{url}/resource_types", headers=admin).json()[
        "resource_type_associations"] == []
    before = cloud.store.query("SELECT * FROM metadef_namespaces ORDER BY id")
    runner = cloud.runners["metadefs"]
    runner.reset()
    runner.catch_up()
    assert cloud.store.query("SELECT * FROM metadef_namespaces ORDER BY id") == before


def test_metadef_schemas(client: TestClient, member_a: dict[str, str]) -> None:
    names = {"namespace": "namespace", "namespaces": "namespaces",
             "resource_type": "resource_type_association",
             "resource_types": "resource_type_associations", "object": "object",
             "objects": "objects", "property": "property", "properties": "properties",
             "tag": "tag", "tags": "tags"}
    for path, name in names.items():
        shown = client.get(f"/image/v2/schemas/metadefs/{path}", headers=auth(member_a))
        assert shown.status_code == 200 and shown.json()["name"] == name
    assert client.get("/image/v2/schemas/metadefs/nothing",
                      headers=auth(member_a)).status_code == 404
