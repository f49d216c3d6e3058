"""Admin host views: `/os-hypervisors`, `/os-services`, `/os-availability-zone`; disabling a
service takes its host out of scheduling."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import Compute, auth, register_host

BASE = "/compute/v2.1"


def get(compute: Compute, who: dict[str, str], path: str, version: str | None = None) -> Any:
    response = compute.client.get(f"{BASE}{path}", headers=auth(who, version))
    assert response.status_code == 200, response.text
    return response.json()


def test_hypervisors_show_capacity_and_usage(compute: Compute, admin: dict[str, str],
                                             member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    host = compute.instance(server_id).host
    listed = get(compute, admin, "/os-hypervisors")["hypervisors"]
    assert [h["hypervisor_hostname"] for h in listed] == ["host-1", "host-2"]
    assert all(isinstance(h["id"], int) and h["state"] == "up" for h in listed)
    detail = {h["hypervisor_hostname"]: h for h in get(compute, admin, "/os-hypervisors/detail")[
        "hypervisors"]}
    used = detail[host]
    assert (used["vcpus"], used["vcpus_used"], used["memory_mb"], used["memory_mb_used"]) == (
        4, 1, 8192, 512)
    assert (used["free_ram_mb"], used["running_vms"], used["local_gb_used"]) == (7680, 1, 1)
    assert used["hypervisor_type"] == "QEMU" and used["service"]["host"] == host
    assert isinstance(used["cpu_info"], str)
    shown = get(compute, admin, f"/os-hypervisors/{used['id']}")["hypervisor"]
    assert shown["hypervisor_hostname"] == host
    newer = get(compute, admin, "/os-hypervisors/detail", "2.53")["hypervisors"][0]
    assert len(newer["id"]) == 36 and isinstance(newer["cpu_info"], dict)
    assert get(compute, admin, f"/os-hypervisors/{newer['id']}", "2.53")["hypervisor"]["id"] == (
        newer["id"])
    stats = get(compute, admin, "/os-hypervisors/statistics")["hypervisor_statistics"]
    assert (stats["count"], stats["vcpus"], stats["running_vms"]) == (2, 8, 1)
    missing = compute.client.get(f"{BASE}/os-hypervisors/999999", headers=admin)
    assert missing.status_code == 404


ADMIN_ONLY = ("/os-hypervisors", "/os-hypervisors/detail", "/os-services",
              "/os-availability-zone/detail", "/os-hypervisors/statistics")


def test_members_are_refused(compute: Compute, member_a: dict[str, str]) -> None:
    for path in ADMIN_ONLY:
        response = compute.client.get(f"{BASE}{path}", headers=auth(member_a))
        assert response.status_code == 403 and "forbidden" in response.json(), path


def test_services_and_zones(compute: Compute, admin: dict[str, str],
                            member_a: dict[str, str]) -> None:
    register_host(compute.cloud, "edge-1", zone="edge")
    services = get(compute, admin, "/os-services")["services"]
    assert [(s["host"], s["zone"], s["binary"]) for s in services] == [
        ("host-1", "nova", "nova-compute"), ("host-2", "nova", "nova-compute"),
        ("edge-1", "edge", "nova-compute")]
    assert all(s["status"] == "enabled" and s["state"] == "up" and s["updated_at"]
               for s in services)
    assert [s["host"] for s in get(compute, admin, "/os-services?host=edge-1")["services"]] == [
        "edge-1"]
    assert "forced_down" in get(compute, admin, "/os-services", "2.11")["services"][0]
    zones = get(compute, member_a, "/os-availability-zone")["availabilityZoneInfo"]
    assert sorted(z["zoneName"] for z in zones) == ["edge", "nova"]
    assert all(z["zoneState"] == {"available": True} and z["hosts"] is None for z in zones)
    detail = {z["zoneName"]: z for z in get(compute, admin, "/os-availability-zone/detail")[
        "availabilityZoneInfo"]}
    edge = detail["edge"]["hosts"]["edge-1"]["nova-compute"]
    assert (edge["available"], edge["active"]) == (True, True)
    placed = compute.booted(member_a, availability_zone="edge")
    assert compute.instance(placed).host == "edge-1"


def test_disabled_service_gets_no_new_servers(compute: Compute, admin: dict[str, str],
                                              member_a: dict[str, str]) -> None:
    body = {"host": "host-1", "binary": "nova-compute", "disabled_reason": "maintenance"}
    response = compute.client.put(f"{BASE}/os-services/disable-log-reason", json=body,
                                  headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["service"] == {**body, "status": "disabled"}
    ids = [compute.booted(member_a) for _ in range(3)]
    assert {compute.instance(i).host for i in ids} == {"host-2"}
    [service] = get(compute, admin, "/os-services?host=host-1")["services"]
    assert (service["status"], service["disabled_reason"]) == ("disabled", "maintenance")
    enable = {"host": "host-1", "binary": "nova-compute"}
    assert compute.client.put(f"{BASE}/os-services/enable", json=enable,
                              headers=admin).json()["service"]["status"] == "enabled"
    assert compute.client.put(f"{BASE}/os-services/disable", json=enable,
                              headers=auth(member_a)).status_code == 403


def test_update_by_uuid_from_2_53(compute: Compute, admin: dict[str, str],
                                  member_a: dict[str, str]) -> None:
    headers = auth(admin, "2.53")
    [service] = get(compute, admin, "/os-services?host=host-2", "2.53")["services"]
    url = f"{BASE}/os-services/{service['id']}"
    disabled = compute.client.put(url, json={"status": "disabled", "disabled_reason": "disk"},
                                  headers=headers)
    assert disabled.status_code == 200, disabled.text
    assert (disabled.json()["service"]["status"], disabled.json()["service"]["id"]) == (
        "disabled", service["id"])
    assert compute.instance(compute.booted(member_a)).host == "host-1"
    for bad in ({"status": "enabled", "disabled_reason": "x"}, {"status": "off"}, {},
                {"status": "enabled", "colour": "red"}):
        assert compute.client.put(url, json=bad, headers=headers).status_code == 400, bad
    legacy = compute.client.put(f"{BASE}/os-services/enable", headers=headers,
                                json={"host": "host-2", "binary": "nova-compute"})
    assert legacy.status_code == 400, "the old forms end at 2.53"
    zones = get(compute, admin, "/os-hypervisors", "2.53")["hypervisors"]
    assert {h["hypervisor_hostname"]: h["status"] for h in zones} == {
        "host-1": "enabled", "host-2": "disabled"}
    unknown = compute.client.put(f"{BASE}/os-services/{'0' * 32}", json={"status": "enabled"},
                                 headers=headers)
    assert unknown.status_code == 404
