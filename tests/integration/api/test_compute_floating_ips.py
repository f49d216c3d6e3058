"""Nova's `/os-floating-ips` and `/os-floating-ip-pools` (below 2.36): the project's floating
IPs through the same service as Neutron's `/floatingips`, in Nova's shape and errors."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from domain.network.pool import EXTERNAL_NETWORK_ID
from tests.support.compute_api import Compute, auth

URL = "/compute/v2.1/os-floating-ips"


def call(compute: Compute, who: dict[str, str], method: str, path: str = "", body: Any = None,
         version: str | None = None) -> httpx.Response:
    return compute.client.request(method, URL + path, json=body, headers=auth(who, version))


def test_allocate_show_list_associate_and_release(compute: Compute,
                                                  member_a: dict[str, str],
                                                  member_b: dict[str, str]) -> None:
    created = call(compute, member_a, "POST", body={"pool": "public"})
    assert created.status_code == 200, created.text
    floating = created.json()["floating_ip"]
    assert floating["pool"] == "public" and floating["instance_id"] is None
    assert floating["fixed_ip"] is None
    shown = call(compute, member_a, "GET", f"/{floating['id']}").json()["floating_ip"]
    assert shown == floating
    assert [f["id"] for f in call(compute, member_a, "GET").json()["floating_ips"]] == \
        [floating["id"]]
    neutron = compute.client.get("/network/v2.0/floatingips", headers=auth(member_a)).json()
    assert [f["floating_ip_address"] for f in neutron["floatingips"]] == [floating["ip"]]

    server_id = compute.active(member_a)
    associated = compute.action(member_a, server_id, {"addFloatingIp": {"address": floating["ip"]}})
    assert associated.status_code == 202, associated.text
    shown = call(compute, member_a, "GET", f"/{floating['id']}").json()["floating_ip"]
    assert shown["instance_id"] == server_id and shown["fixed_ip"]

    assert call(compute, member_b, "GET", f"/{floating['id']}").status_code == 404
    assert call(compute, member_b, "DELETE", f"/{floating['id']}").status_code == 404
    assert call(compute, member_b, "GET").json() == {"floating_ips": []}
    assert call(compute, member_a, "DELETE", f"/{floating['id']}").status_code == 202
    assert call(compute, member_a, "GET", f"/{floating['id']}").status_code == 404
    assert call(compute, member_a, "GET").json() == {"floating_ips": []}


def test_errors_are_nova_s_and_change_nothing(compute: Compute, member_a: dict[str, str],
                                              admin: dict[str, str]) -> None:
    missing = call(compute, member_a, "POST", body={"pool": "nowhere"})
    assert missing.status_code == 404 and "itemNotFound" in missing.json()
    assert call(compute, member_a, "POST", body={"pool": "public", "x": 1}).status_code == 400
    assert call(compute, member_a, "GET", "/not-a-uuid").status_code == 404
    assert call(compute, member_a, "DELETE", "/" + "0" * 32).status_code == 404
    quota = {"quota_set": {"floating_ips": 1}}
    url = f"/compute/v2.1/os-quota-sets/{member_a['project_id']}"
    assert compute.client.put(url, json=quota, headers=admin).status_code == 200
    assert call(compute, member_a, "POST").status_code == 200  # no body: the default pool
    by_id = call(compute, member_a, "POST", body={"pool": str(UUID(EXTERNAL_NETWORK_ID))})
    assert by_id.status_code == 403  # the pool named by its network's id: over quota now
    over = call(compute, member_a, "POST")
    assert over.status_code == 403 and "over quota" in over.json()["forbidden"]["message"]
    assert len(call(compute, member_a, "GET").json()["floating_ips"]) == 1
    pools = compute.client.get("/compute/v2.1/os-floating-ip-pools", headers=auth(member_a))
    assert pools.json() == {"floating_ip_pools": [{"name": "public"}]}
    assert call(compute, member_a, "GET", version="2.36").status_code == 404
