"""Neutron's rule for floating IPs: a port's fixed IP is reachable from the external network
only through a router with a gateway there and an interface on the port's subnet; otherwise
creating or associating is 404 ExternalGatewayForFloatingIPNotFound and changes nothing. A
project's auto-made network needs no router: its hosts translate its floating IPs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.compute_api import Compute, auth
from tests.support.network_api import NET, booted_port, create_network, get, routed_to_public


def new_port(client: TestClient, who: dict[str, str], network_id: str) -> Any:
    response = client.post(f"{NET}/ports", headers=auth(who),
                           json={"port": {"network_id": network_id}})
    assert response.status_code == 201, response.text
    return response.json()["port"]


def test_a_port_without_a_router_to_public_gets_no_floating_ip(
        client: TestClient, member_a: dict[str, str]) -> None:
    net = create_network(client, member_a, "isolated", "10.7.0.0/24")
    port = new_port(client, member_a, net["id"])
    created = client.post(f"{NET}/floatingips", headers=auth(member_a),
                          json={"floatingip": {"port_id": port["id"]}})
    assert created.status_code == 404, created.text
    assert created.json()["NeutronError"]["type"] == "ExternalGatewayForFloatingIPNotFound"
    assert get(client, member_a, "/floatingips")["floatingips"] == []  # none left allocated
    free = client.post(f"{NET}/floatingips", headers=auth(member_a), json={"floatingip": {}})
    assert free.status_code == 201
    floating_id = free.json()["floatingip"]["id"]
    associated = client.put(f"{NET}/floatingips/{floating_id}", headers=auth(member_a),
                            json={"floatingip": {"port_id": port["id"]}})
    assert associated.status_code == 404, associated.text
    shown = get(client, member_a, f"/floatingips/{floating_id}")["floatingip"]
    assert shown["port_id"] is None
    # With a router from the subnet to public, the same association is taken.
    routed_to_public(client, member_a, net["subnets"][0])
    associated = client.put(f"{NET}/floatingips/{floating_id}", headers=auth(member_a),
                            json={"floatingip": {"port_id": port["id"]}})
    assert associated.status_code == 200, associated.text
    assert associated.json()["floatingip"]["port_id"] == port["id"]


def test_a_router_on_another_subnet_does_not_count(client: TestClient,
                                                   member_a: dict[str, str]) -> None:
    routed = create_network(client, member_a, "routed", "10.8.0.0/24")
    routed_to_public(client, member_a, routed["subnets"][0])
    other = client.post(f"{NET}/subnets", headers=auth(member_a), json={"subnet": {
        "network_id": routed["id"], "cidr": "10.9.0.0/24", "ip_version": 4}}).json()["subnet"]
    port = client.post(f"{NET}/ports", headers=auth(member_a), json={"port": {
        "network_id": routed["id"], "fixed_ips": [{"subnet_id": other["id"]}]}}).json()["port"]
    created = client.post(f"{NET}/floatingips", headers=auth(member_a),
                          json={"floatingip": {"port_id": port["id"]}})
    assert created.status_code == 404, created.text


def test_the_auto_made_network_needs_no_router(compute: Compute,
                                               member_a: dict[str, str]) -> None:
    _, port = booted_port(compute, member_a)
    created = compute.client.post(f"{NET}/floatingips", headers=auth(member_a),
                                  json={"floatingip": {"port_id": port["id"]}})
    assert created.status_code == 201, created.text
