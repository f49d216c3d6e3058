"""`/os-hypervisors` per microversion: the libvirt version, the servers on a host, the uptime,
and the hostname search (routes before 2.53, query parameters from it)."""

from __future__ import annotations

from typing import Any

from domain.services.compute.hosts import HostRegistration
from tests.support.compute_api import OPERATOR, Compute, auth

BASE = "/compute/v2.1"


def get(compute: Compute, who: dict[str, str], path: str, version: str | None = None) -> Any:
    response = compute.client.get(f"{BASE}{path}", headers=auth(who, version))
    assert response.status_code == 200, response.text
    return response.json()


def status(compute: Compute, who: dict[str, str], path: str, version: str | None = None) -> int:
    return compute.client.get(f"{BASE}{path}", headers=auth(who, version)).status_code


def test_version_is_the_registered_number(compute: Compute, admin: dict[str, str]) -> None:
    detail = get(compute, admin, "/os-hypervisors/detail")["hypervisors"]
    assert [h["hypervisor_version"] for h in detail] == [0, 0]  # registered without one
    compute.cloud.hosts.register(OPERATOR, HostRegistration(
        "host-1", "QEMU", 4, 8192, 100, cpu_ratio=1.0, ram_ratio=1.0,
        hypervisor_version=9000000))
    compute.cloud.sync_read_models()
    detail = get(compute, admin, "/os-hypervisors/detail")["hypervisors"]
    assert [h["hypervisor_version"] for h in detail] == [9000000, 0]


def test_servers_search_and_uptime_before_2_53(compute: Compute, admin: dict[str, str],
                                               member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a, name="web")
    host = compute.instance(server_id).host
    other = "host-2" if host == "host-1" else "host-1"
    found = get(compute, admin, f"/os-hypervisors/{host}/servers")["hypervisors"]
    assert [(h["hypervisor_hostname"], h["servers"]) for h in found] == [
        (host, [{"uuid": server_id, "name": "web"}])]
    assert "servers" not in get(compute, admin, f"/os-hypervisors/{other}/servers")[
        "hypervisors"][0]
    assert [h["hypervisor_hostname"] for h in get(compute, admin, "/os-hypervisors/host/search")[
        "hypervisors"]] == ["host-1", "host-2"]
    assert status(compute, admin, "/os-hypervisors/nowhere/search") == 404
    first = get(compute, admin, "/os-hypervisors")["hypervisors"][0]
    uptime = get(compute, admin, f"/os-hypervisors/{first['id']}/uptime")["hypervisor"]
    assert uptime["id"] == first["id"] and " up 0 days, 0:0" in uptime["uptime"]
    assert status(compute, admin, "/os-hypervisors/999/uptime") == 404
    for path in ("/os-hypervisors/host-1/servers", "/os-hypervisors/host/search"):
        assert status(compute, member_a, path) == 403
        assert status(compute, admin, path, "2.53") == 404


def test_with_servers_from_2_53(compute: Compute, admin: dict[str, str],
                                member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a, name="web")
    host = compute.instance(server_id).host
    listed = get(compute, admin, "/os-hypervisors?with_servers=true", "2.53")["hypervisors"]
    by_host = {h["hypervisor_hostname"]: h for h in listed}
    assert by_host[host]["servers"] == [{"uuid": server_id, "name": "web"}]
    assert all("servers" not in h
               for h in get(compute, admin, "/os-hypervisors", "2.53")["hypervisors"])
    shown = get(compute, admin, f"/os-hypervisors/{by_host[host]['id']}?with_servers=true",
                "2.53")["hypervisor"]
    assert shown["servers"] == [{"uuid": server_id, "name": "web"}]
    assert isinstance(shown["hypervisor_version"], int)
    pattern = get(compute, admin, f"/os-hypervisors?hypervisor_hostname_pattern={host}",
                  "2.53")["hypervisors"]
    assert [h["hypervisor_hostname"] for h in pattern] == [host]


def test_statistics_fields_dropped_and_uptime_shown_from_2_88(compute: Compute,
                                                              admin: dict[str, str]) -> None:
    [first, _] = get(compute, admin, "/os-hypervisors/detail", "2.88")["hypervisors"]
    assert set(first) == {"id", "hypervisor_hostname", "state", "status", "hypervisor_type",
                          "hypervisor_version", "host_ip", "service", "uptime"}
    assert " up " in first["uptime"]
    shown = get(compute, admin, f"/os-hypervisors/{first['id']}?with_servers=true",
                "2.88")["hypervisor"]
    assert shown["uptime"] and shown["servers"] == [] and "vcpus" not in shown
    old = get(compute, admin, f"/os-hypervisors/{first['id']}", "2.87")["hypervisor"]
    assert "vcpus" in old and "cpu_info" in old and "uptime" not in old
    for path in ("/os-hypervisors/statistics", f"/os-hypervisors/{first['id']}/uptime"):
        assert status(compute, admin, path, "2.87") == 200, path
        gone = compute.client.get(f"{BASE}{path}", headers=auth(admin, "2.88"))
        assert gone.status_code == 404, path
        assert gone.headers["OpenStack-API-Version"] == "compute 2.88"
