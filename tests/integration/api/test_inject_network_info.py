"""injectNetworkInfo as Nova on libvirt answers it (admins, 202, nothing to inject), and the
removed resetNetwork as Nova's 410."""

from __future__ import annotations

from tests.support.compute_api import Compute, auth

V21 = "/compute/v2.1"


def act(compute: Compute, who: dict[str, str], server_id: str, body: object) -> int:
    return int(compute.client.post(f"{V21}/servers/{server_id}/action", json=body,
                                   headers=auth(who, "2.1")).status_code)


def test_admins_inject_and_members_may_not(compute: Compute, member_a: dict[str, str],
                                           admin: dict[str, str]) -> None:
    server_id = compute.booted(member_a)
    assert act(compute, admin, server_id, {"injectNetworkInfo": None}) == 202
    assert act(compute, admin, server_id, {"injectNetworkInfo": {"any": "thing"}}) == 202
    assert act(compute, member_a, server_id, {"injectNetworkInfo": None}) == 403
    assert act(compute, admin, "00000000-0000-0000-0000-000000000000",
               {"injectNetworkInfo": None}) == 404


def test_reset_network_is_gone(compute: Compute, admin: dict[str, str]) -> None:
    server_id = compute.booted(admin)
    response = compute.client.post(f"{V21}/servers/{server_id}/action",
                                   json={"resetNetwork": None}, headers=auth(admin, "2.1"))
    assert response.status_code == 410 and "computeFault" in response.json()
