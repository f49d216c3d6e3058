"""Networking `/network/v2.0` as Neutron users know it, through the API on both stores: their own
subnets (several per network, IPv4 and IPv6), network updates, shared and external networks,
ports with chosen addresses, admin state and binding attributes, bulk creates and list paging."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from projections.network_details import NetworkDetailProjection
from tests.support.compute_api import Compute, auth
from tests.support.network_api import NET, create_network, create_subnet, get
from tests.support.read_models import dump_table

Who = dict[str, str]


def post(client: TestClient, who: Who, path: str, body: Any, status: int = 201) -> Any:
    response = client.post(f"{NET}{path}", headers=auth(who), json=body)
    assert response.status_code == status, response.text
    return response.json()


def put(client: TestClient, who: Who, path: str, body: Any, status: int = 200) -> Any:
    response = client.put(f"{NET}{path}", headers=auth(who), json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_subnet_lifecycle(client: TestClient, member_a: Who, member_b: Who) -> None:
    net = create_network(client, member_a, cidr=None)
    assert net["subnets"] == []
    v4 = create_subnet(client, member_a, net["id"], "10.20.0.0/28", name="v4",
                       gateway_ip="10.20.0.1", dns_nameservers=["8.8.8.8"],
                       allocation_pools=[{"start": "10.20.0.4", "end": "10.20.0.9"}],
                       host_routes=[{"destination": "10.30.0.0/32", "nexthop": "10.20.0.2"}])
    assert (v4["cidr"], v4["gateway_ip"], v4["ip_version"], v4["enable_dhcp"]) == (
        "10.20.0.0/28", "10.20.0.1", 4, True)
    assert v4["allocation_pools"] == [{"start": "10.20.0.4", "end": "10.20.0.9"}]
    assert v4["host_routes"] == [{"destination": "10.30.0.0/32", "nexthop": "10.20.0.2"}]
    v6 = create_subnet(client, member_a, net["id"], "2001:db8::/64", gateway_ip=None,
                       ipv6_ra_mode="slaac", ipv6_address_mode="slaac")
    assert v6["gateway_ip"] is None and v6["ipv6_address_mode"] == "slaac"
    shown = get(client, member_a, f"/networks/{net['id']}")["network"]
    assert shown["subnets"] == [v4["id"], v6["id"]]
    quota = get(client, member_a, f"/quotas/{member_a['project_id']}/details")["quota"]
    assert (quota["subnet"]["used"], quota["subnet"]["limit"]) == (2, 100)
    mine = get(client, member_a, "/subnets", network_id=net["id"])["subnets"]
    assert [s["id"] for s in mine] == [v4["id"], v6["id"]]
    only_v6 = get(client, member_a, "/subnets", network_id=net["id"], ip_version="6")
    assert [s["id"] for s in only_v6["subnets"]] == [v6["id"]]
    assert get(client, member_a, f"/subnets/{v4['id']}", fields="cidr")["subnet"] == {
        "cidr": "10.20.0.0/28"}
    updated = put(client, member_a, f"/subnets/{v4['id']}", {"subnet": {
        "name": "renamed", "gateway_ip": None, "enable_dhcp": False}})["subnet"]
    assert (updated["name"], updated["gateway_ip"], updated["enable_dhcp"]) == (
        "renamed", None, False)
    assert client.get(f"{NET}/subnets/{v4['id']}", headers=auth(member_b)).status_code == 404
    assert get(client, member_b, "/subnets", network_id=net["id"])["subnets"] == []
    assert client.delete(f"{NET}/subnets/{v4['id']}", headers=auth(member_b)).status_code == 404
    assert client.delete(f"{NET}/subnets/{v4['id']}", headers=auth(member_a)).status_code == 204
    assert client.get(f"{NET}/subnets/{v4['id']}", headers=auth(member_a)).status_code == 404
    assert client.delete(f"{NET}/networks/{net['id']}", headers=auth(member_a)).status_code == 204
    assert get(client, member_a, "/subnets", network_id=net["id"])["subnets"] == []


def test_bad_subnets_are_400_and_change_nothing(client: TestClient, member_a: Who) -> None:
    net = create_network(client, member_a, cidr="10.20.0.0/24")
    for subnet in ({"cidr": "10.20.0.0/25"}, {"cidr": "bogus"}, {"cidr": "10.21.0.0/24",
                                                                  "ip_version": 5},
                   {"cidr": "10.21.0.0/24", "ip_version": 6}, {},
                   {"cidr": "10.21.0.0/24", "allocation_pools": [{"start": "10.22.0.1"}]},
                   {"cidr": "10.21.0.0/24", "ipv6_ra_mode": "slaac"},
                   {"cidr": "10.21.0.0/24", "bogus": 1}):
        body = {"subnet": {"network_id": net["id"], **subnet}}
        response = client.post(f"{NET}/subnets", headers=auth(member_a), json=body)
        assert response.status_code == 400, (subnet, response.text)
        assert "NeutronError" in response.json()
    overlap = client.post(f"{NET}/subnets", headers=auth(member_a), json={"subnet": {
        "network_id": net["id"], "cidr": "10.20.0.128/25", "ip_version": 4}})
    assert "overlaps with another subnet" in overlap.json()["NeutronError"]["message"]
    assert len(get(client, member_a, "/subnets", network_id=net["id"])["subnets"]) == 1
    bad_update = client.put(f"{NET}/subnets/{net['subnets'][0]}", headers=auth(member_a),
                            json={"subnet": {"cidr": "10.0.0.0/8"}})
    assert bad_update.status_code == 400


def test_ports_on_several_subnets(client: TestClient, member_a: Who) -> None:
    net = create_network(client, member_a, cidr="10.20.0.0/24")
    second = create_subnet(client, member_a, net["id"], "10.21.0.0/24")
    port = post(client, member_a, "/ports", {"port": {"network_id": net["id"], "fixed_ips": [
        {"subnet_id": second["id"]}, {"ip_address": "10.20.0.77"}]}})["port"]
    assert [f["ip_address"] for f in port["fixed_ips"]] == ["10.21.0.2", "10.20.0.77"]
    taken = client.post(f"{NET}/ports", headers=auth(member_a), json={"port": {
        "network_id": net["id"], "fixed_ips": [{"ip_address": "10.20.0.77"}]}})
    assert taken.status_code == 409
    assert taken.json()["NeutronError"]["type"] == "IpAddressAlreadyAllocated"
    in_use = client.delete(f"{NET}/subnets/{second['id']}", headers=auth(member_a))
    assert in_use.status_code == 409 and in_use.json()["NeutronError"]["type"] == "SubnetInUse"
    moved = put(client, member_a, f"/ports/{port['id']}", {"port": {"fixed_ips": [
        {"subnet_id": net["subnets"][0], "ip_address": "10.20.0.88"}]}})["port"]
    assert moved["fixed_ips"] == [{"subnet_id": net["subnets"][0], "ip_address": "10.20.0.88"}]
    assert client.delete(f"{NET}/subnets/{second['id']}",
                         headers=auth(member_a)).status_code == 204
    listed = get(client, member_a, "/ports", fixed_ips="ip_address=10.20.0.88")["ports"]
    assert [p["id"] for p in listed] == [port["id"]]


def test_network_updates_and_admin_only_attributes(client: TestClient, admin: Who,
                                                   member_a: Who, member_b: Who) -> None:
    net = create_network(client, member_a, cidr=None)
    updated = put(client, member_a, f"/networks/{net['id']}", {"network": {
        "name": "renamed", "admin_state_up": False, "mtu": 1400,
        "description": "d"}})["network"]
    assert (updated["name"], updated["admin_state_up"], updated["mtu"],
            updated["description"]) == ("renamed", False, 1400, "d")
    for body, status in (({"shared": True}, 403), ({"router:external": True}, 403),
                         ({"mtu": 99999}, 400), ({"bogus": 1}, 400),
                         ({"name": None}, 400)):
        put(client, member_a, f"/networks/{net['id']}", {"network": body}, status)
    put(client, member_b, f"/networks/{net['id']}", {"network": {"name": "x"}}, 404)
    assert put(client, admin, f"/networks/{net['id']}", {"network": {
        "shared": True}})["network"]["shared"] is True
    assert get(client, member_b, f"/networks/{net['id']}")["network"]["name"] == "renamed"
    put(client, member_b, f"/networks/{net['id']}", {"network": {"name": "x"}}, 403)


def test_shared_and_external_networks(client: TestClient, admin: Who, member_a: Who,
                                      member_b: Who) -> None:
    shared = post(client, admin, "/networks", {"network": {"name": "shared",
                                                           "shared": True}})["network"]
    subnet = create_subnet(client, admin, shared["id"], "192.168.233.0/24")
    external = post(client, admin, "/networks", {"network": {
        "name": "ext", "router:external": True}})["network"]
    assert external["router:external"] is True and external["shared"] is False
    seen = {n["id"] for n in get(client, member_a, "/networks")["networks"]}
    assert {shared["id"], external["id"]} <= seen
    only_external = get(client, member_a, "/networks", **{"router:external": "true"})
    assert external["id"] in {n["id"] for n in only_external["networks"]}
    assert shared["id"] not in {n["id"] for n in only_external["networks"]}
    assert get(client, member_a, f"/subnets/{subnet['id']}")["subnet"]["cidr"] == \
        "192.168.233.0/24"
    port = post(client, member_b, "/ports", {"port": {"network_id": shared["id"]}})["port"]
    assert port["project_id"] == member_b["project_id"]
    assert port["fixed_ips"][0]["subnet_id"] == subnet["id"]
    assert client.get(f"{NET}/ports/{port['id']}", headers=auth(member_a)).status_code == 404
    post(client, member_b, "/subnets", {"subnet": {"network_id": shared["id"], "ip_version": 4,
                                                   "cidr": "192.168.234.0/24"}}, 403)
    in_use = client.delete(f"{NET}/networks/{shared['id']}", headers=auth(admin))
    assert in_use.status_code == 409


def test_servers_boot_on_shared_networks(compute: Compute, admin: Who, member_a: Who,
                                         member_b: Who) -> None:
    client = compute.client
    shared = post(client, admin, "/networks", {"network": {"name": "shared",
                                                           "shared": True}})["network"]
    create_subnet(client, admin, shared["id"], "192.168.233.0/24")
    private = create_network(client, member_b, "b-only", cidr="10.60.0.0/24")
    server_id = compute.active(member_a, version="2.37", networks=[{"uuid": shared["id"]}])
    [port] = get(client, member_a, "/ports", device_id=server_id)["ports"]
    assert (port["network_id"], port["project_id"]) == (shared["id"], member_a["project_id"])
    assert port["fixed_ips"][0]["ip_address"] == "192.168.233.2"
    refused = compute.boot(member_a, version="2.37", networks=[{"uuid": private["id"]}])
    assert refused.status_code == 400, refused.text


def test_port_admin_state_and_binding(client: TestClient, admin: Who, member_a: Who) -> None:
    net = create_network(client, member_a)
    port = post(client, member_a, "/ports", {"port": {
        "network_id": net["id"], "admin_state_up": False, "binding:vnic_type": "normal",
        "extra_dhcp_opts": [{"opt_name": "bootfile-name", "opt_value": "pxelinux.0"}],
        "allowed_address_pairs": [{"ip_address": "10.0.0.200"}]}})["port"]
    assert (port["admin_state_up"], port["status"]) == (False, "DOWN")
    assert "binding:host_id" not in port  # admins only
    assert port["allowed_address_pairs"] == [{"ip_address": "10.0.0.200",
                                              "mac_address": port["mac_address"]}]
    assert port["extra_dhcp_opts"] == [{"opt_name": "bootfile-name",
                                        "opt_value": "pxelinux.0", "ip_version": 4}]
    put(client, member_a, f"/ports/{port['id']}", {"port": {"binding:host_id": "h1"}}, 403)
    bound = put(client, admin, f"/ports/{port['id']}", {"port": {
        "binding:host_id": "h1", "admin_state_up": True}})["port"]
    assert (bound["binding:host_id"], bound["binding:vif_type"], bound["admin_state_up"]) == (
        "h1", "bridge", True)
    listed = get(client, admin, "/ports", **{"binding:host_id": "h1"})["ports"]
    assert [p["id"] for p in listed] == [port["id"]]
    post(client, member_a, "/ports", {"port": {"network_id": net["id"],
                                               "binding:host_id": "h1"}}, 403)


def test_bulk_creates_are_all_or_nothing(client: TestClient, member_a: Who) -> None:
    made = post(client, member_a, "/networks", {"networks": [{"name": "a"}, {"name": "b"}]})
    assert [n["name"] for n in made["networks"]] == ["a", "b"]
    ids = [n["id"] for n in made["networks"]]
    subnets = post(client, member_a, "/subnets", {"subnets": [
        {"network_id": ids[0], "cidr": "10.40.0.0/24", "ip_version": 4},
        {"network_id": ids[1], "cidr": "10.40.0.0/24", "ip_version": 4}]})["subnets"]
    assert len(subnets) == 2
    failed = client.post(f"{NET}/ports", headers=auth(member_a), json={"ports": [
        {"network_id": ids[0]}, {"network_id": ids[0], "mac_address": "bogus"}]})
    assert failed.status_code == 400
    assert get(client, member_a, "/ports", network_id=ids[0])["ports"] == []
    ports = post(client, member_a, "/ports", {"ports": [{"network_id": i} for i in ids]})
    assert [p["network_id"] for p in ports["ports"]] == ids


def test_lists_page_and_sort(client: TestClient, member_a: Who) -> None:
    for name in ("b", "c", "a"):
        create_network(client, member_a, name, cidr=None)
    mine = {"project_id": member_a["project_id"]}
    names = [n["name"] for n in get(client, member_a, "/networks", sort_key="name",
                                    sort_dir="desc", **mine)["networks"]]
    assert names == ["c", "b", "a"]
    first = get(client, member_a, "/networks", limit="2", sort_key="name", sort_dir="asc",
                **mine)
    assert [n["name"] for n in first["networks"]] == ["a", "b"]
    assert first["networks_links"][0]["rel"] == "next"
    rest = get(client, member_a, "/networks", limit="2", sort_key="name", sort_dir="asc",
               marker=first["networks"][-1]["id"], **mine)
    assert [n["name"] for n in rest["networks"]] == ["c"]
    bad = client.get(f"{NET}/networks", headers=auth(member_a), params={"sort_key": "bogus"})
    assert bad.status_code == 400


def test_rebuilt_details_equal_the_live_ones(cloud: Cloud, client: TestClient,
                                             admin: Who, member_a: Who) -> None:
    net = create_network(client, member_a)
    gone = create_subnet(client, member_a, net["id"], "10.50.0.0/24")
    client.delete(f"{NET}/subnets/{gone['id']}", headers=auth(member_a))
    put(client, member_a, f"/subnets/{net['subnets'][0]}", {"subnet": {"name": "kept"}})
    put(client, admin, f"/networks/{net['id']}", {"network": {"shared": True}})
    port = post(client, member_a, "/ports", {"port": {"network_id": net["id"]}})["port"]
    put(client, admin, f"/ports/{port['id']}", {"port": {"binding:host_id": "h1"}})
    pool = post(client, member_a, "/subnetpools", {"subnetpool": {
        "name": "p", "prefixes": ["10.70.0.0/16"]}})["subnetpool"]
    put(client, member_a, f"/subnetpools/{pool['id']}", {"subnetpool": {"name": "q"}})
    cloud.sync_read_models()
    tables = NetworkDetailProjection.tables
    live = {t: dump_table(cloud.store, t) for t in tables}
    assert all(live.values())
    runner = cloud.runners["network_details"]
    runner.batch_size = 3
    assert runner.rebuild() == cloud.app.head()
    assert {t: dump_table(cloud.store, t) for t in tables} == live


def test_the_v2_root_names_the_core_resources(client: TestClient, member_a: Who) -> None:
    resources = client.get(f"{NET}/", headers=auth(member_a)).json()["resources"]
    assert {r["name"]: r["collection"] for r in resources} == {
        "network": "networks", "subnet": "subnets", "port": "ports"}


def test_subnet_pools(client: TestClient, admin: Who, member_a: Who, member_b: Who) -> None:
    pool = post(client, member_a, "/subnetpools", {"subnetpool": {
        "name": "mine", "prefixes": ["10.90.0.0/16"], "default_prefixlen": 24}})["subnetpool"]
    assert (pool["prefixes"], pool["min_prefixlen"], pool["max_prefixlen"]) == (
        ["10.90.0.0/16"], 16, 32)
    net = create_network(client, member_a, cidr=None)
    subnet = post(client, member_a, "/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4, "subnetpool_id": pool["id"]}})["subnet"]
    assert (subnet["cidr"], subnet["subnetpool_id"]) == ("10.90.0.0/24", pool["id"])
    renamed = put(client, member_a, f"/subnetpools/{pool['id']}",
                  {"subnetpool": {"name": "renamed"}})["subnetpool"]
    assert renamed["name"] == "renamed"
    assert get(client, member_a, f"/subnetpools/{pool['id']}")["subnetpool"]["name"] == \
        "renamed"
    assert client.get(f"{NET}/subnetpools/{pool['id']}",
                      headers=auth(member_b)).status_code == 404
    in_use = client.delete(f"{NET}/subnetpools/{pool['id']}", headers=auth(member_a))
    assert in_use.status_code == 409
    post(client, member_a, "/subnetpools", {"subnetpool": {
        "name": "s", "prefixes": ["10.91.0.0/16"], "shared": True}}, 403)
    for bad in ({"prefixes": []}, {"prefixes": ["10.0.0.0/8", "2001:db8::/32"]},
                {"prefixes": ["10.92.0.0/16"], "default_prefixlen": 8}):
        post(client, member_a, "/subnetpools", {"subnetpool": {"name": "x", **bad}}, 400)
    shared = post(client, admin, "/subnetpools", {"subnetpool": {
        "name": "s", "prefixes": ["10.91.0.0/16"], "shared": True,
        "default_prefixlen": 26}})["subnetpool"]
    assert {p["id"] for p in get(client, member_b, "/subnetpools")["subnetpools"]} == {
        shared["id"]}
    assert client.delete(f"{NET}/subnets/{subnet['id']}",
                         headers=auth(member_a)).status_code == 204
    assert client.delete(f"{NET}/subnetpools/{pool['id']}",
                         headers=auth(member_a)).status_code == 204
    assert client.get(f"{NET}/subnetpools/{pool['id']}",
                      headers=auth(member_a)).status_code == 404
