"""Floating IPs from a `router:external` network an admin made, not only the `public` pool:
the address comes from that network's subnet (its ledger, so no port takes it), the list
filters by `floating_network_id`, a port gets one only through a router whose gateway is on
that same network (Neutron's 404 ExternalGatewayForFloatingIPNotFound otherwise), and deleting
the network deletes its floating IPs unless one is associated (409)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.compute_api import auth
from tests.support.network_api import NET, create_network, create_subnet, get, routed_to

Who = dict[str, str]


def external_network(client: TestClient, admin: Who, cidr: str = "198.51.100.0/24") -> Any:
    response = client.post(f"{NET}/networks", headers=auth(admin), json={"network": {
        "name": "ext", "router:external": True}})
    assert response.status_code == 201, response.text
    network = response.json()["network"]
    subnet = create_subnet(client, admin, network["id"], cidr, enable_dhcp=False,
                           allocation_pools=[{"start": "198.51.100.10",
                                              "end": "198.51.100.20"}])
    return {**network, "subnets": [subnet["id"]]}


def public_id(client: TestClient, who: Who) -> str:
    return str(get(client, who, "/networks", name="public")["networks"][0]["id"])


def allocate(client: TestClient, who: Who, status: int = 201, **body: Any) -> Any:
    response = client.post(f"{NET}/floatingips", headers=auth(who), json={"floatingip": body})
    assert response.status_code == status, response.text
    return response.json()


def new_port(client: TestClient, who: Who, network_id: str) -> Any:
    response = client.post(f"{NET}/ports", headers=auth(who),
                           json={"port": {"network_id": network_id}})
    assert response.status_code == 201, response.text
    return response.json()["port"]


def test_a_floating_ip_comes_from_the_external_networks_subnet(
        client: TestClient, admin: Who, member_a: Who) -> None:
    ext = external_network(client, admin)
    floating = allocate(client, member_a, floating_network_id=ext["id"])["floatingip"]
    assert floating["floating_network_id"] == ext["id"]
    assert floating["floating_ip_address"] == "198.51.100.10"  # the pool's first
    assert floating["project_id"] == member_a["project_id"] and floating["port_id"] is None
    listed = get(client, member_a, "/floatingips", floating_network_id=ext["id"])
    assert [f["id"] for f in listed["floatingips"]] == [floating["id"]]
    public = get(client, member_a, "/floatingips", floating_network_id=public_id(client, member_a))
    assert public["floatingips"] == []
    asked = allocate(client, member_a, floating_network_id=ext["id"],
                     subnet_id=ext["subnets"][0], floating_ip_address="198.51.100.15")
    assert asked["floatingip"]["floating_ip_address"] == "198.51.100.15"
    # The address is the network's: neither a second floating IP nor a port takes it.
    taken = allocate(client, member_a, 409, floating_network_id=ext["id"],
                     floating_ip_address="198.51.100.15")
    assert taken["NeutronError"]["type"] in ("IpAddressAlreadyAllocated", "InUse"), taken
    port = client.post(f"{NET}/ports", headers=auth(admin), json={"port": {
        "network_id": ext["id"], "fixed_ips": [{"ip_address": "198.51.100.15"}]}})
    assert port.status_code == 409, port.text
    released = client.delete(f"{NET}/floatingips/{asked['floatingip']['id']}",
                             headers=auth(member_a))
    assert released.status_code == 204
    again = allocate(client, member_a, floating_network_id=ext["id"],
                     floating_ip_address="198.51.100.15")
    assert again["floatingip"]["floating_ip_address"] == "198.51.100.15"


def test_bad_external_network_requests_are_4xx(client: TestClient, admin: Who,
                                               member_a: Who) -> None:
    internal = create_network(client, member_a, "internal", "10.7.0.0/24")
    refused = allocate(client, member_a, 400, floating_network_id=internal["id"])
    assert "not a valid external network" in refused["NeutronError"]["message"]
    bare = client.post(f"{NET}/networks", headers=auth(admin), json={"network": {
        "name": "bare", "router:external": True}}).json()["network"]
    no_subnet = allocate(client, member_a, 400, floating_network_id=bare["id"])
    assert "IPv4 subnet" in no_subnet["NeutronError"]["message"]
    ext = external_network(client, admin)
    allocate(client, member_a, 400, floating_network_id=ext["id"], subnet_id=internal["subnets"][0])
    allocate(client, member_a, 400, floating_network_id=ext["id"],
             floating_ip_address="203.0.113.50")  # not on this network
    allocate(client, member_a, 404, floating_network_id="0" * 32)


def test_reachability_is_through_a_router_on_the_same_external_network(
        client: TestClient, admin: Who, member_a: Who) -> None:
    ext = external_network(client, admin)
    net = create_network(client, member_a, "inside", "10.7.0.0/24")
    port = new_port(client, member_a, net["id"])
    routed_to(client, member_a, net["subnets"][0], public_id(client, member_a))  # not `ext`
    refused = allocate(client, member_a, 404, floating_network_id=ext["id"], port_id=port["id"])
    assert refused["NeutronError"]["type"] == "ExternalGatewayForFloatingIPNotFound"
    assert get(client, member_a, "/floatingips")["floatingips"] == []  # none left allocated

    other = create_network(client, member_a, "other", "10.8.0.0/24")
    router = routed_to(client, member_a, other["subnets"][0], ext["id"])
    port = new_port(client, member_a, other["id"])
    floating = allocate(client, member_a, floating_network_id=ext["id"],
                        port_id=port["id"])["floatingip"]
    assert floating["port_id"] == port["id"] and floating["router_id"] == router["id"]
    assert floating["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    shown = get(client, member_a, f"/floatingips/{floating['id']}")["floatingip"]
    assert (shown["router_id"], shown["floating_network_id"]) == (router["id"], ext["id"])


def test_deleting_the_network_deletes_its_free_floating_ips(
        client: TestClient, admin: Who, member_a: Who) -> None:
    ext = external_network(client, admin)
    net = create_network(client, member_a, "inside", "10.7.0.0/24")
    routed_to(client, member_a, net["subnets"][0], ext["id"])
    port = new_port(client, member_a, net["id"])
    free = allocate(client, admin, floating_network_id=ext["id"])["floatingip"]
    held = allocate(client, member_a, floating_network_id=ext["id"],
                    port_id=port["id"])["floatingip"]
    routers = get(client, member_a, "/routers")["routers"]
    in_use = client.delete(f"{NET}/networks/{ext['id']}", headers=auth(admin))
    assert in_use.status_code == 409, in_use.text  # the router's gateway, the held one
    cleared = client.put(f"{NET}/floatingips/{held['id']}", headers=auth(member_a),
                         json={"floatingip": {"port_id": None}})
    assert cleared.status_code == 200
    for router in routers:
        client.put(f"{NET}/routers/{router['id']}/remove_router_interface",
                   headers=auth(member_a), json={"subnet_id": net["subnets"][0]})
        assert client.delete(f"{NET}/routers/{router['id']}",
                             headers=auth(member_a)).status_code == 204
    deleted = client.delete(f"{NET}/networks/{ext['id']}", headers=auth(admin))
    assert deleted.status_code == 204, deleted.text
    left = {f["id"] for f in get(client, admin, "/floatingips")["floatingips"]}
    assert not {free["id"], held["id"]} & left
    assert ext["subnets"][0] not in {s["id"] for s in get(client, admin, "/subnets")["subnets"]}
    quota = get(client, member_a, f"/quotas/{member_a['project_id']}/details")["quota"]
    assert quota["floatingip"]["used"] == 0
