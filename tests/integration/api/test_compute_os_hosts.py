"""`/os-hosts` (below 2.43): hosts by zone, a host's capacity and use per project, enabling
and disabling its service; maintenance and power actions are 501 as with Nova's libvirt."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import Compute, auth

HOSTS = "/compute/v2.1/os-hosts"


def call(compute: Compute, who: dict[str, str], method: str, path: str, body: Any = None,
         version: str | None = None, expect: int = 200) -> Any:
    response = compute.client.request(method, f"{HOSTS}{path}", json=body,
                                      headers=auth(who, version))
    assert response.status_code == expect, response.text
    return response.json()


def test_list_show_and_update(compute: Compute, admin: dict[str, str],
                              member_a: dict[str, str]) -> None:
    assert call(compute, admin, "GET", "")["hosts"] == [
        {"host_name": "host-1", "service": "compute", "zone": "nova"},
        {"host_name": "host-2", "service": "compute", "zone": "nova"}]
    assert len(call(compute, admin, "GET", "?zone=nova")["hosts"]) == 2
    assert len(call(compute, admin, "GET", "?zone=")["hosts"]) == 2
    assert call(compute, admin, "GET", "?zone=elsewhere")["hosts"] == []
    server = compute.active(member_a)
    host = compute.instance(server).host
    rows = [r["resource"] for r in call(compute, admin, "GET", f"/{host}")["host"]]
    assert [r["project"] for r in rows] == ["(total)", "(used_now)", "(used_max)",
                                            member_a["project_id"]]
    assert (rows[0]["cpu"], rows[0]["memory_mb"]) == (4, 8192)
    assert (rows[3]["cpu"], rows[3]["memory_mb"], rows[3]["host"]) == (1, 512, host)
    changed = call(compute, admin, "PUT", f"/{host}", {"status": "disable"})
    assert changed == {"host": host, "status": "disabled"}
    services = compute.client.get("/compute/v2.1/os-services", headers=admin).json()["services"]
    assert {s["host"]: s["status"] for s in services}[host] == "disabled"
    assert call(compute, admin, "PUT", f"/{host}", {"status": "enable"})["status"] == "enabled"


def test_refusals(compute: Compute, admin: dict[str, str], member_a: dict[str, str]) -> None:
    call(compute, member_a, "GET", "", expect=403)
    call(compute, member_a, "GET", "/host-1", expect=403)
    call(compute, member_a, "PUT", "/host-1", {"status": "enable"}, expect=403)
    call(compute, admin, "GET", "/nowhere", expect=404)
    call(compute, admin, "PUT", "/nowhere", {"status": "enable"}, expect=404)
    for bad in ({"status": "bad"}, {"maintenance_mode": "bad"}, {}):
        call(compute, admin, "PUT", "/host-1", bad, expect=400)
    call(compute, admin, "PUT", "/host-1", {"maintenance_mode": "enable"}, expect=501)
    for action in ("startup", "shutdown", "reboot"):
        call(compute, admin, "GET", f"/nowhere/{action}", expect=404)
        call(compute, member_a, "GET", f"/host-1/{action}", expect=403)
        assert "notImplemented" in call(compute, admin, "GET", f"/host-1/{action}", expect=501)
    call(compute, admin, "GET", "", version="2.43", expect=404)
    call(compute, admin, "GET", "/host-1", version="2.43", expect=404)
