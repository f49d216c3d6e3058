"""Keystone's OS-EP-FILTER endpoint groups through the API (admins only)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud

URL = "/identity/v3/OS-EP-FILTER/endpoint_groups"


def test_endpoint_group_lifecycle(client: TestClient, admin: dict[str, str],
                                  member_a: dict[str, str], cloud: Cloud) -> None:
    created = client.post(URL, json={"endpoint_group": {
        "name": "g", "description": "d", "filters": {"service_id": "s1"}}}, headers=admin)
    assert created.status_code == 201, created.text
    group = created.json()["endpoint_group"]
    assert (group["name"], group["description"], group["filters"]) == \
        ("g", "d", {"service_id": "s1"})
    url = f"{URL}/{group['id']}"
    assert client.get(url, headers=admin).json()["endpoint_group"] == group
    assert client.head(url, headers=admin).status_code == 200
    updated = client.patch(url, json={"endpoint_group": {
        "name": "g2", "filters": {"interface": "public"}}}, headers=admin)
    assert updated.status_code == 200, updated.text
    assert (updated.json()["endpoint_group"]["name"],
            updated.json()["endpoint_group"]["filters"]) == ("g2", {"interface": "public"})
    assert client.get(url, headers=admin).json()["endpoint_group"] == \
        updated.json()["endpoint_group"]
    assert [g["id"] for g in client.get(URL, headers=admin).json()["endpoint_groups"]] == \
        [group["id"]]
    head = cloud.app.head()
    for bad in ({"name": "x", "filters": {"color": "red"}}, {"name": "x"},
                {"name": "x", "filters": {"interface": "secret"}}, {"filters": {}}):
        assert client.post(URL, json={"endpoint_group": bad},
                           headers=admin).status_code == 400, bad
    for bad in ({}, {"name": None}, {"extra": 1}):
        assert client.patch(url, json={"endpoint_group": bad},
                            headers=admin).status_code == 400, bad
    assert client.post(URL, json={"endpoint_group": {"name": "m", "filters": {}}},
                       headers={"X-Auth-Token": member_a["token"]}).status_code == 403
    assert cloud.app.head() == head
    assert client.delete(url, headers=admin).status_code == 204
    assert client.head(url, headers=admin).status_code == 404
    assert client.delete(url, headers=admin).status_code == 404
