"""Compute's addFloatingIp/removeFloatingIp server actions through the API, on both stores:
they map a project's floating IP to the server's port (seen in `addresses` and in Neutron's
/floatingips), exist only below microversion 2.44, and answer Nova's errors changing nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.compute_api import Compute, auth
from tests.support.network_api import NET, booted_port, get

Who = dict[str, str]


def allocate(compute: Compute, who: Who) -> dict[str, Any]:
    response = compute.client.post(f"{NET}/floatingips", headers=auth(who),
                                   json={"floatingip": {}})
    assert response.status_code == 201, response.text
    return dict(response.json()["floatingip"])


def add(compute: Compute, who: Who, server_id: str, address: str,
        version: str | None = None, **extra: Any) -> Any:
    return compute.action(who, server_id, {"addFloatingIp": {"address": address, **extra}},
                          version=version)


def remove(compute: Compute, who: Who, server_id: str, address: str,
           version: str | None = None) -> Any:
    return compute.action(who, server_id, {"removeFloatingIp": {"address": address}},
                          version=version)


def floating_addresses(compute: Compute, who: Who, server_id: str) -> list[str]:
    (entries,) = compute.show(who, server_id)["addresses"].values()
    return [e["addr"] for e in entries if e["OS-EXT-IPS:type"] == "floating"]


def fip_port(compute: Compute, who: Who, fip: dict[str, Any]) -> Any:
    return get(compute.client, who, f"/floatingips/{fip['id']}")["floatingip"]["port_id"]


def test_add_and_remove_floating_ip(compute: Compute, member_a: Who) -> None:
    server_id, port = booted_port(compute, member_a)
    fip = allocate(compute, member_a)
    added = add(compute, member_a, server_id, fip["floating_ip_address"])
    assert added.status_code == 202, added.text
    (entries,) = compute.show(member_a, server_id)["addresses"].values()
    assert {"version": 4, "addr": fip["floating_ip_address"], "OS-EXT-IPS:type": "floating",
            "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]} in entries
    assert fip_port(compute, member_a, fip) == port["id"]
    again = add(compute, member_a, server_id, fip["floating_ip_address"])  # idempotent
    assert again.status_code == 202, again.text

    removed = remove(compute, member_a, server_id, fip["floating_ip_address"], version="2.43")
    assert removed.status_code == 202, removed.text
    assert floating_addresses(compute, member_a, server_id) == []
    assert fip_port(compute, member_a, fip) is None
    assert get(compute.client, member_a, "/floatingips")["floatingips"][0]["id"] == fip["id"]


def test_fixed_address_picks_the_port(compute: Compute, member_a: Who) -> None:
    server_id, port = booted_port(compute, member_a)
    fip = allocate(compute, member_a)
    wrong = add(compute, member_a, server_id, fip["floating_ip_address"],
                fixed_address="10.99.0.7")
    assert wrong.status_code == 400, wrong.text
    assert wrong.json()["badRequest"]["message"] == \
        "Specified fixed address not assigned to instance"
    assert fip_port(compute, member_a, fip) is None
    right = add(compute, member_a, server_id, fip["floating_ip_address"],
                fixed_address=port["fixed_ips"][0]["ip_address"])
    assert right.status_code == 202, right.text
    assert fip_port(compute, member_a, fip) == port["id"]


@pytest.mark.parametrize("version", ["2.44", "2.61", "latest"])
def test_gone_from_microversion_2_44(compute: Compute, member_a: Who,
                                     version: str) -> None:
    server_id, _ = booted_port(compute, member_a)
    fip = allocate(compute, member_a)
    for response in (add(compute, member_a, server_id, fip["floating_ip_address"], version),
                     remove(compute, member_a, server_id, fip["floating_ip_address"], version)):
        assert response.status_code == 404, response.text
        assert "itemNotFound" in response.json()
    assert fip_port(compute, member_a, fip) is None


def test_nova_errors_change_nothing(compute: Compute, member_a: Who) -> None:
    server_id, port = booted_port(compute, member_a)
    fip = allocate(compute, member_a)
    address = fip["floating_ip_address"]
    bad_bodies: list[Any] = [{"addFloatingIp": {}}, {"addFloatingIp": {"address": "nope"}},
                             {"addFloatingIp": {"address": address, "extra": 1}},
                             {"addFloatingIp": "x"}, {"removeFloatingIp": {}},
                             {"removeFloatingIp": {"address": 5}}]
    for body in bad_bodies:
        response = compute.action(member_a, server_id, body)
        assert response.status_code == 400, (body, response.text)
        assert "badRequest" in response.json()
    unknown = add(compute, member_a, server_id, "203.0.113.250")
    assert unknown.status_code == 404 and \
        unknown.json()["itemNotFound"]["message"] == "floating IP not found"
    not_on_it = remove(compute, member_a, server_id, address)
    assert not_on_it.status_code == 409, not_on_it.text
    assert not_on_it.json()["conflictingRequest"]["message"] == \
        f"Floating IP {address} is not associated with instance {server_id}."
    # A port holds one floating IP: a second one is refused, the first stays.
    assert add(compute, member_a, server_id, address).status_code == 202
    second = allocate(compute, member_a)
    refused = add(compute, member_a, server_id, second["floating_ip_address"])
    assert refused.status_code == 400, refused.text
    assert fip_port(compute, member_a, fip) == port["id"]
    assert fip_port(compute, member_a, second) is None
    assert floating_addresses(compute, member_a, server_id) == [address]


def test_server_without_ports(compute: Compute, member_a: Who) -> None:
    server_id = compute.active(member_a, version="2.37", networks="none")
    fip = allocate(compute, member_a)
    response = add(compute, member_a, server_id, fip["floating_ip_address"])
    assert response.status_code == 400, response.text
    assert response.json()["badRequest"]["message"] == "Instance network is not ready yet"


def test_floating_ip_moves_between_own_servers(compute: Compute,
                                               member_a: Who) -> None:
    first, _ = booted_port(compute, member_a)
    second = compute.active(member_a, version="2.37", networks="auto")
    fip = allocate(compute, member_a)
    address = fip["floating_ip_address"]
    assert add(compute, member_a, first, address).status_code == 202
    assert add(compute, member_a, second, address).status_code == 202  # as Nova via Neutron
    assert floating_addresses(compute, member_a, first) == []
    assert floating_addresses(compute, member_a, second) == [address]
    assert remove(compute, member_a, first, address).status_code == 409
    assert floating_addresses(compute, member_a, second) == [address]


def test_projects_cannot_use_each_others(compute: Compute, member_a: Who,
                                         member_b: Who) -> None:
    server_a, _ = booted_port(compute, member_a)
    server_b = compute.active(member_b, version="2.37", networks="auto")
    fip_a, fip_b = allocate(compute, member_a), allocate(compute, member_b)
    # B's floating IP is not found from A's server, nor A's from B's.
    steal = add(compute, member_b, server_b, fip_a["floating_ip_address"])
    assert steal.status_code == 404, steal.text
    lend = add(compute, member_a, server_a, fip_b["floating_ip_address"])
    assert lend.status_code == 404, lend.text
    # A's server does not exist for B.
    assert add(compute, member_b, server_a, fip_b["floating_ip_address"]).status_code == 404
    assert add(compute, member_a, server_a, fip_a["floating_ip_address"]).status_code == 202
    assert remove(compute, member_b, server_a, fip_a["floating_ip_address"]).status_code == 404
    assert remove(compute, member_b, server_b, fip_a["floating_ip_address"]).status_code == 404
    assert floating_addresses(compute, member_a, server_a) == [fip_a["floating_ip_address"]]
    assert fip_port(compute, member_b, fip_b) is None
