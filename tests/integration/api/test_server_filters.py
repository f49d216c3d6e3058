"""Filters on a server's own columns (Nova's 2.83): an admin may use them at every
microversion; a member from 2.83, and before it they are dropped from the member's query."""

from __future__ import annotations

from tests.support.compute_api import Compute, auth, register_host


def listed(compute: Compute, who: dict[str, str], query: str, version: str,
           path: str = "/servers/detail") -> list[str]:
    response = compute.client.get(f"/compute/v2.1{path}?{query}", headers=auth(who, version))
    assert response.status_code == 200, response.text
    assert response.headers["OpenStack-API-Version"] == f"compute {version}"
    return sorted(s["id"] for s in response.json()["servers"])


def test_own_column_filters_from_2_83(compute: Compute, member_a: dict[str, str],
                                      admin: dict[str, str]) -> None:
    register_host(compute.cloud, "host-z", zone="zone-z")
    compute.client.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "kp-1"}},
                        headers=auth(member_a))
    keyed = compute.active(member_a, key_name="kp-1")
    zoned = compute.active(member_a, availability_zone="zone-z")
    stopped = compute.active(member_a)
    compute.action(member_a, stopped, {"os-stop": None})
    compute.succeeded(stopped, "stop")
    every = sorted([keyed, zoned, stopped])
    cases: list[tuple[str, list[str]]] = [
        ("key_name=kp", [keyed]), ("availability_zone=zone-z", [zoned]),
        ("vm_state=stopped", [stopped]), ("vm_state=stopped&vm_state=active", every),
        ("power_state=4", [stopped]), (f"user_id={member_a['user_id']}", every),
        ("user_id=someone-else", []), ("config_drive=x", []), ("progress=0", every)]
    for query, expected in cases:
        assert listed(compute, member_a, query, "2.83") == sorted(expected), query
        assert listed(compute, member_a, query, "2.82") == every, query  # dropped before
    assert listed(compute, member_a, "vm_state=stopped", "2.83", "/servers") == [stopped]
    tenants = "all_tenants=1&key_name=kp-1"
    assert listed(compute, admin, tenants, "2.1") == [keyed], "admins: every version"
    bad = compute.client.get("/compute/v2.1/servers/detail?key_name=(",
                             headers=auth(member_a, "2.83"))
    assert bad.status_code == 400
