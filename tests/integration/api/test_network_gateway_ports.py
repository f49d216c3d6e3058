"""Ports on the `public` network (the floating IP pool), through the API on both stores: a
router's gateway is a `network:router_gateway` port holding an address of the public subnet,
and an address is held once whether a gateway port, a port made here or a floating IP has it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.api.test_network_routers import create_router, public_network
from tests.support.compute_api import auth
from tests.support.network_api import NET, get

Who = dict[str, str]


def gateway_ports(client: TestClient, admin: Who, public: Any, router_id: str) -> Any:
    return get(client, admin, "/ports", network_id=public["id"], device_id=router_id,
               device_owner="network:router_gateway")["ports"]


def test_gateway_is_a_port_on_the_public_subnet(client: TestClient, member_a: Who,
                                                admin: Who) -> None:
    public = public_network(client, member_a)
    router = create_router(client, member_a, external_gateway_info={"network_id": public["id"]})
    [port] = gateway_ports(client, admin, public, router["id"])
    assert port["fixed_ips"] == [
        {k: f[k] for k in ("subnet_id", "ip_address")}
        for f in router["external_gateway_info"]["external_fixed_ips"]]
    assert [f["subnet_id"] for f in port["fixed_ips"]] == public["subnets"]
    address = port["fixed_ips"][0]["ip_address"]
    # A router's port goes with its gateway, never through DELETE /ports.
    assert client.delete(f"{NET}/ports/{port['id']}", headers=auth(admin)).status_code == 409
    cleared = client.put(f"{NET}/routers/{router['id']}", headers=auth(member_a),
                         json={"router": {"external_gateway_info": {}}})
    assert cleared.status_code == 200, cleared.text
    assert gateway_ports(client, admin, public, router["id"]) == []
    assert client.get(f"{NET}/ports/{port['id']}", headers=auth(admin)).status_code == 404
    # Its address went back to the pool: a floating IP may take it now.
    floating = client.post(f"{NET}/floatingips", headers=auth(admin), json={"floatingip": {
        "floating_network_id": public["id"], "floating_ip_address": address}})
    assert floating.status_code == 201, floating.text
    again = client.put(f"{NET}/routers/{router['id']}", headers=auth(member_a), json={
        "router": {"external_gateway_info": {"network_id": public["id"]}}})
    assert again.status_code == 200, again.text
    [port] = gateway_ports(client, admin, public, router["id"])
    assert client.delete(f"{NET}/routers/{router['id']}",
                         headers=auth(member_a)).status_code == 204
    assert gateway_ports(client, admin, public, router["id"]) == []


def test_an_address_of_the_pool_is_held_once(client: TestClient, admin: Who) -> None:
    public = public_network(client, admin)
    made = client.post(f"{NET}/ports", headers=auth(admin),
                       json={"port": {"network_id": public["id"], "name": "reserved"}})
    assert made.status_code == 201, made.text
    port = made.json()["port"]
    [fixed] = port["fixed_ips"]
    assert fixed["subnet_id"] in public["subnets"] and port["network_id"] == public["id"]
    # A gateway asking for the port's address: Neutron's 409, and no router is left behind.
    routers_before = get(client, admin, "/routers")["routers"]
    create_router(client, admin, 409, external_gateway_info={
        "network_id": public["id"], "external_fixed_ips": [fixed]})
    assert get(client, admin, "/routers")["routers"] == routers_before
    # Nor may a floating IP take it, nor a port a floating IP's.
    taken = client.post(f"{NET}/floatingips", headers=auth(admin), json={"floatingip": {
        "floating_network_id": public["id"], "floating_ip_address": fixed["ip_address"]}})
    assert taken.status_code == 409, taken.text
    floating = client.post(f"{NET}/floatingips", headers=auth(admin), json={"floatingip": {
        "floating_network_id": public["id"]}}).json()["floatingip"]
    clash = client.post(f"{NET}/ports", headers=auth(admin), json={"port": {
        "network_id": public["id"],
        "fixed_ips": [{"ip_address": floating["floating_ip_address"]}]}})
    assert clash.status_code == 409, clash.text
    outside = client.post(f"{NET}/ports", headers=auth(admin), json={"port": {
        "network_id": public["id"], "fixed_ips": [{"ip_address": "10.9.9.9"}]}})
    assert outside.status_code == 400, outside.text
    # Deleting the port frees its address for a gateway.
    assert client.delete(f"{NET}/ports/{port['id']}", headers=auth(admin)).status_code == 204
    router = create_router(client, admin, external_gateway_info={
        "network_id": public["id"], "external_fixed_ips": [fixed]})
    assert router["external_gateway_info"]["external_fixed_ips"] == [fixed]
