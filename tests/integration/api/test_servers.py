"""Compute `/servers` through the API: boot, show, list with Nova's filters, rename, delete."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient

from tests.support.compute_api import SERVERS, Compute, auth


def names(client: TestClient, who: dict[str, str], query: str = "") -> list[str]:
    response = client.get(f"{SERVERS}/detail{query}", headers=auth(who))
    assert response.status_code == 200, response.text
    return [s["name"] for s in response.json()["servers"]]


def test_boot_answers_202_then_build_then_active(compute: Compute, member_a: dict[str, str],
                                                admin: dict[str, str]) -> None:
    response = compute.boot(member_a, metadata={"role": "web"}, user_data="aGVsbG8=")
    assert response.status_code == 202, response.text
    created = response.json()["server"]
    assert set(created) == {"id", "links", "adminPass", "OS-DCF:diskConfig", "security_groups"}
    assert response.headers["Location"].endswith(f"/compute/v2.1/servers/{created['id']}")
    server = compute.show(member_a, created["id"])
    assert (server["status"], server["OS-EXT-STS:vm_state"]) == ("BUILD", "building")
    assert server["OS-EXT-STS:task_state"] == "spawning" and server["progress"] == 0
    assert server["tenant_id"] == member_a["project_id"] and server["metadata"] == {"role": "web"}
    assert server["image"]["id"] == compute.image and server["flavor"]["id"] == "1"
    assert not any(key.startswith("OS-EXT-SRV-ATTR") for key in server), "admin-only fields"
    compute.spawned(created["id"])
    server = compute.show(member_a, created["id"])
    host = compute.instance(created["id"]).host
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)
    assert server["OS-SRV-USG:launched_at"] is not None and "fault" not in server
    expected = hashlib.sha224((member_a["project_id"] + str(host)).encode()).hexdigest()
    assert server["hostId"] == expected and server["OS-EXT-AZ:availability_zone"] == "nova"
    seen = compute.show(admin, created["id"], version="2.3")
    assert seen["OS-EXT-SRV-ATTR:host"] == host and seen["OS-EXT-SRV-ATTR:user_data"] == "aGVsbG8="
    assert seen["OS-EXT-SRV-ATTR:instance_name"] == created["id"]


def test_microversions_shape_the_body(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    old = compute.show(member_a, server_id)
    assert set(old["flavor"]) == {"id", "links"}
    assert not {"locked", "description", "tags"} & set(old)
    new = compute.show(member_a, server_id, version="2.61")
    assert new["flavor"] == {"original_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1,
                             "ephemeral": 0, "swap": 0, "extra_specs": {}}
    assert (new["locked"], new["description"], new["tags"]) == (False, None, [])
    assert "host_status" not in new, "admin-only by policy"
    legacy = compute.client.get(f"{SERVERS}/{server_id}", headers={
        "X-Auth-Token": member_a["token"], "X-OpenStack-Nova-API-Version": "2.9"})
    assert legacy.json()["server"]["locked"] is False
    assert legacy.headers["X-OpenStack-Nova-API-Version"] == "2.9"
    too_new = compute.client.get(f"{SERVERS}/{server_id}", headers=auth(member_a, "2.999"))
    assert too_new.status_code == 406


def test_multiple_create_and_reservation_id(compute: Compute, member_a: dict[str, str]) -> None:
    response = compute.boot(member_a, name="web", min_count=2, max_count=3,
                            return_reservation_id=True)
    assert response.status_code == 202, response.text
    reservation = response.json()["reservation_id"]
    assert sorted(names(compute.client, member_a)) == ["web-1", "web-2", "web-3"]
    assert names(compute.client, member_a, f"?reservation_id={reservation}") != []
    assert names(compute.client, member_a, "?reservation_id=r-other") == []


def test_list_filters_and_paging(compute: Compute, member_a: dict[str, str],
                                 admin: dict[str, str]) -> None:
    ids = {name: compute.booted(member_a, name=name) for name in ("alpha", "beta", "gamma")}
    compute.spawned(ids["beta"])
    assert names(compute.client, member_a) == ["gamma", "beta", "alpha"], "newest first"
    assert names(compute.client, member_a, "?name=^[ab]") == ["beta", "alpha"]
    assert names(compute.client, member_a, "?status=ACTIVE") == ["beta"]
    assert names(compute.client, member_a, "?status=build") == ["gamma", "alpha"]
    assert names(compute.client, member_a, "?status=NOT_A_STATUS") == []
    bad = compute.client.get(f"{SERVERS}?status=NOT_A_STATUS", headers=auth(member_a, "2.38"))
    assert bad.status_code == 400
    page = compute.client.get(f"{SERVERS}?limit=2", headers=auth(member_a)).json()
    assert [s["name"] for s in page["servers"]] == ["gamma", "beta"]
    assert page["servers_links"][0]["rel"] == "next"
    assert f"marker={ids['beta']}" in page["servers_links"][0]["href"]
    rest = compute.client.get(f"{SERVERS}?limit=2&marker={ids['beta']}", headers=auth(member_a))
    assert [s["name"] for s in rest.json()["servers"]] == ["alpha"]
    assert "servers_links" not in rest.json()
    unknown = compute.client.get(f"{SERVERS}?marker={'0' * 32}", headers=auth(member_a))
    assert unknown.status_code == 400
    host = compute.instance(ids["beta"]).host
    assert names(compute.client, admin, f"?all_tenants=1&host={host}") == ["beta"]
    assert len(names(compute.client, member_a, f"?host={host}")) == 3, "ignored for members"


def test_projects_see_only_their_servers(compute: Compute, member_a: dict[str, str],
                                         member_b: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.booted(member_a, name="mine")
    assert names(compute.client, member_b) == []
    assert compute.client.get(f"{SERVERS}/{server_id}", headers=auth(member_b)).status_code == 404
    forbidden = compute.client.get(f"{SERVERS}?all_tenants=1", headers=auth(member_b))
    assert forbidden.status_code == 403 and "forbidden" in forbidden.json()
    assert names(compute.client, admin) == [], "an admin lists its own project by default"
    assert names(compute.client, admin, "?all_tenants=True") == ["mine"]
    assert names(compute.client, admin, f"?all_tenants=1&tenant_id={member_b['project_id']}") == []
    assert names(compute.client, admin, f"?all_tenants=1&tenant_id={member_a['project_id']}") == \
        ["mine"]
    # without all_tenants Nova ignores tenant_id (lp:1185290): the admin's own project
    assert names(compute.client, admin, f"?tenant_id={member_a['project_id']}") == []
    assert names(compute.client, member_b, f"?project_id={member_a['project_id']}") == []
    assert compute.show(admin, server_id)["name"] == "mine"
    renamed = compute.client.put(f"{SERVERS}/{server_id}", json={"server": {"name": "theirs"}},
                                 headers=auth(member_b))
    deleted = compute.client.delete(f"{SERVERS}/{server_id}", headers=auth(member_b))
    assert (renamed.status_code, deleted.status_code) == (404, 404)


def test_rename_and_describe(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    body: dict[str, Any] = {"server": {"name": "renamed", "description": "the web tier"}}
    assert compute.client.put(f"{SERVERS}/{server_id}", json=body,
                              headers=auth(member_a)).status_code == 400, "description is 2.19+"
    response = compute.client.put(f"{SERVERS}/{server_id}", json=body,
                                  headers=auth(member_a, "2.19"))
    assert response.status_code == 200, response.text
    assert (response.json()["server"]["name"], response.json()["server"]["description"]) == (
        "renamed", "the web tier")
    assert compute.show(member_a, server_id)["name"] == "renamed"
    bad = compute.client.put(f"{SERVERS}/{server_id}", json={"server": {"hostId": "x"}},
                             headers=auth(member_a))
    assert bad.status_code == 400


def test_delete_then_gone_and_listed_as_deleted_since(compute: Compute,
                                                      member_a: dict[str, str],
                                                      admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    before = compute.show(member_a, server_id)["updated"]
    response = compute.client.delete(f"{SERVERS}/{server_id}", headers=auth(member_a))
    assert response.status_code == 204
    assert compute.show(member_a, server_id)["OS-EXT-STS:task_state"] == "deleting"
    compute.deleted(server_id)  # the worker destroyed the guest
    gone = compute.client.get(f"{SERVERS}/{server_id}", headers=auth(member_a))
    assert gone.status_code == 404 and gone.json()["itemNotFound"]["code"] == 404
    again = compute.client.delete(f"{SERVERS}/{server_id}", headers=auth(member_a))
    assert again.status_code == 404
    assert names(compute.client, member_a) == []
    since = compute.client.get(f"{SERVERS}/detail?changes-since={before}", headers=auth(member_a))
    [server] = since.json()["servers"]
    assert server["status"] == "DELETED" and server["OS-SRV-USG:terminated_at"] is not None
    assert names(compute.client, admin, "?status=DELETED&all_tenants=1") == ["vm"]
    assert compute.client.get(f"{SERVERS}?status=DELETED",
                              headers=auth(member_a)).status_code == 403
    unknown = compute.client.delete(f"{SERVERS}/not-a-server", headers=auth(member_a))
    assert unknown.status_code == 404


def test_no_valid_host_is_error_with_fault_and_deletes_at_once(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.booted(member_a, flavorRef="5")  # m1.xlarge fits neither host
    server = compute.show(member_a, server_id)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ERROR", None)
    assert server["fault"]["code"] == 500 and "No valid host" in server["fault"]["message"]
    assert server["fault"]["created"].endswith("Z") and server["hostId"] == ""
    deleted = compute.client.delete(f"{SERVERS}/{server_id}", headers=auth(member_a))
    assert deleted.status_code == 204
    # Nothing ran anywhere, so no worker is needed to finish the delete.
    assert compute.client.get(f"{SERVERS}/{server_id}", headers=auth(member_a)).status_code == 404
