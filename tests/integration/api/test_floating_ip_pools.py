"""Floating IP pools as Nova's proxy (`/os-floating-ips`, `/os-floating-ip-pools`, below 2.36)
and EC2 (`publicIpv4Pool`) name them: each floating IP's pool is its external network's name,
not always `public`; a pool is chosen by name or id, and a name two networks share is refused
with nothing recorded."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.support.compute_api import auth
from tests.support.network_api import NET, create_subnet, get

Who = dict[str, str]
NOVA = "/compute/v2.1"
NETWORKS = {"ext-one": "198.51.100.0/24", "ext-two": "203.0.113.0/24"}


def external(client: TestClient, admin: Who, name: str, cidr: str) -> Any:
    response = client.post(f"{NET}/networks", headers=auth(admin), json={"network": {
        "name": name, "router:external": True}})
    assert response.status_code == 201, response.text
    network = response.json()["network"]
    create_subnet(client, admin, network["id"], cidr, enable_dhcp=False)
    return network


@pytest.fixture
def externals(client: TestClient, admin: Who) -> dict[str, Any]:
    return {name: external(client, admin, name, cidr) for name, cidr in NETWORKS.items()}


def nova_allocate(client: TestClient, who: Who, status: int = 200, **body: Any) -> Any:
    response = client.post(f"{NOVA}/os-floating-ips", headers=auth(who), json=body or None)
    assert response.status_code == status, response.text
    return response.json()


def in_network(address: str, name: str) -> bool:
    from ipaddress import ip_address, ip_network

    return ip_address(address) in ip_network(NETWORKS[name])


def test_nova_shows_each_floating_ip_s_own_pool(client: TestClient, admin: Who, member_a: Who,
                                                externals: dict[str, Any]) -> None:
    pools = client.get(f"{NOVA}/os-floating-ip-pools", headers=auth(member_a)).json()
    assert pools == {"floating_ip_pools": [{"name": "public"}, {"name": "ext-one"},
                                           {"name": "ext-two"}]}
    one = nova_allocate(client, member_a, pool="ext-one")["floating_ip"]
    two = nova_allocate(client, member_a, pool=externals["ext-two"]["id"])["floating_ip"]
    public = nova_allocate(client, member_a)["floating_ip"]
    assert (one["pool"], two["pool"], public["pool"]) == ("ext-one", "ext-two", "public")
    assert in_network(one["ip"], "ext-one") and in_network(two["ip"], "ext-two")
    listed = client.get(f"{NOVA}/os-floating-ips", headers=auth(member_a)).json()
    assert {f["ip"]: f["pool"] for f in listed["floating_ips"]} == {
        one["ip"]: "ext-one", two["ip"]: "ext-two", public["ip"]: "public"}
    shown = client.get(f"{NOVA}/os-floating-ips/{two['id']}", headers=auth(member_a)).json()
    assert shown["floating_ip"] == two
    neutron = {f["id"]: f["floating_network_id"]
               for f in get(client, member_a, "/floatingips")["floatingips"]}
    assert neutron[one["id"]] == externals["ext-one"]["id"]
    assert neutron[two["id"]] == externals["ext-two"]["id"]
    # The pool is the network's name now, not the one it had when the address was taken.
    renamed = client.put(f"{NET}/networks/{externals['ext-two']['id']}", headers=auth(admin),
                         json={"network": {"name": "ext-renamed"}})
    assert renamed.status_code == 200, renamed.text
    shown = client.get(f"{NOVA}/os-floating-ips/{two['id']}", headers=auth(member_a)).json()
    assert shown["floating_ip"]["pool"] == "ext-renamed"


def test_a_pool_name_must_name_one_external_network(client: TestClient, admin: Who,
                                                    member_a: Who,
                                                    externals: dict[str, Any]) -> None:
    external(client, admin, "ext-one", "192.0.2.0/24")  # a second network of that name
    ambiguous = nova_allocate(client, member_a, 400, pool="ext-one")
    assert "Multiple floating IP pools" in ambiguous["badRequest"]["message"]
    missing = nova_allocate(client, member_a, 404, pool="nowhere")
    assert "itemNotFound" in missing
    internal = client.post(f"{NET}/networks", headers=auth(member_a),
                           json={"network": {"name": "inside"}}).json()["network"]
    nova_allocate(client, member_a, 404, pool="inside")  # not external: no pool
    nova_allocate(client, member_a, 404, pool=internal["id"])
    assert get(client, member_a, "/floatingips")["floatingips"] == []
    by_id = nova_allocate(client, member_a, pool=externals["ext-one"]["id"])["floating_ip"]
    assert by_id["pool"] == "ext-one" and in_network(by_id["ip"], "ext-one")


def test_ec2_addresses_name_their_pool(ec2: Any, client: TestClient, member_a: Who,
                                       externals: dict[str, Any]) -> None:
    one = ec2.allocate_address(Domain="vpc", PublicIpv4Pool="ext-one")
    assert one["PublicIpv4Pool"] == "ext-one" and in_network(one["PublicIp"], "ext-one")
    two = ec2.allocate_address(Domain="vpc", PublicIpv4Pool=externals["ext-two"]["id"])
    public = ec2.allocate_address(Domain="vpc")
    described = {a["PublicIp"]: a["PublicIpv4Pool"]
                 for a in ec2.describe_addresses()["Addresses"]}
    assert described == {one["PublicIp"]: "ext-one", two["PublicIp"]: "ext-two",
                         public["PublicIp"]: "public"}
    with pytest.raises(ClientError) as missing:
        ec2.allocate_address(Domain="vpc", PublicIpv4Pool="nowhere")
    assert missing.value.response["Error"]["Code"] == "InvalidPublicIpv4PoolID.NotFound"
    assert len(get(client, member_a, "/floatingips")["floatingips"]) == 3
