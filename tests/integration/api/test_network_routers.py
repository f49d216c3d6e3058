"""Networking `/network/v2.0/routers` through the API, on both stores: CRUD, the gateway on the
external network, interfaces by subnet and by port (ports in the port list, refused deletes of
what they use), overlapping subnets, extra routes, quota, and isolation of projects."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.races import fire_together
from tests.support.compute_api import auth
from tests.support.network_api import NET, create_network, get

Who = dict[str, str]


def create_router(client: TestClient, who: Who, status: int = 201, **router: Any) -> Any:
    response = client.post(f"{NET}/routers", headers=auth(who),
                           json={"router": {"name": "r1", **router}})
    assert response.status_code == status, response.text
    return response.json().get("router", response.json())


def interface(client: TestClient, who: Who, router_id: str, action: str, status: int = 200,
              **body: str) -> Any:
    response = client.put(f"{NET}/routers/{router_id}/{action}_router_interface",
                          headers=auth(who), json=body)
    assert response.status_code == status, response.text
    return response.json()


def public_network(client: TestClient, who: Who) -> Any:
    return get(client, who, "/networks", **{"router:external": "True"})["networks"][0]


def test_router_lifecycle_and_gateway(client: TestClient, member_a: Who, admin: Who) -> None:
    public = public_network(client, member_a)
    router = create_router(client, member_a, external_gateway_info={
        "network_id": public["id"]})
    gateway = router["external_gateway_info"]
    assert gateway["network_id"] == public["id"] and gateway["enable_snat"] is True
    assert [f["subnet_id"] for f in gateway["external_fixed_ips"]] == public["subnets"]
    assert router["status"] == "ACTIVE" and router["routes"] == []
    assert not router["distributed"] and not router["ha"]
    assert router["project_id"] == member_a["project_id"]
    # Choosing SNAT is for admins (ext-gw-mode's policy).
    snat = client.put(f"{NET}/routers/{router['id']}", headers=auth(member_a), json={
        "router": {"external_gateway_info": {"network_id": public["id"],
                                             "enable_snat": False}}})
    assert snat.status_code == 403, snat.text
    snat = client.put(f"{NET}/routers/{router['id']}", headers=admin, json={
        "router": {"external_gateway_info": {"network_id": public["id"],
                                             "enable_snat": False}}})
    assert snat.json()["router"]["external_gateway_info"]["enable_snat"] is False
    assert (snat.json()["router"]["external_gateway_info"]["external_fixed_ips"]
            == gateway["external_fixed_ips"])  # same network: same address
    renamed = client.put(f"{NET}/routers/{router['id']}", headers=auth(member_a), json={
        "router": {"name": "r2", "admin_state_up": False, "external_gateway_info": {}}})
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()["router"]
    assert (body["name"], body["admin_state_up"], body["external_gateway_info"]) == (
        "r2", False, None)
    listed = get(client, member_a, "/routers")["routers"]
    assert [r["id"] for r in listed] == [router["id"]]
    assert get(client, member_a, f"/routers/{router['id']}", fields="name")["router"] == {
        "name": "r2"}
    assert client.delete(f"{NET}/routers/{router['id']}",
                         headers=auth(member_a)).status_code == 204
    assert client.get(f"{NET}/routers/{router['id']}",
                      headers=auth(member_a)).status_code == 404
    assert client.post(f"{NET}/routers", headers=auth(member_a), json={"router": {
        "external_gateway_info": {"network_id": "nope"}}}).status_code == 404


def test_interfaces_by_subnet_and_port(client: TestClient, member_a: Who) -> None:
    router = create_router(client, member_a)
    net = create_network(client, member_a, "a", "10.1.0.0/24")
    subnet_id = net["subnets"][0]
    joined = interface(client, member_a, router["id"], "add", subnet_id=subnet_id)
    assert joined["subnet_id"] == subnet_id and joined["network_id"] == net["id"]
    assert joined["subnet_ids"] == [subnet_id] and joined["id"] == router["id"]
    ports = get(client, member_a, "/ports", device_id=router["id"])["ports"]
    assert [(p["id"], p["device_owner"], p["fixed_ips"][0]["ip_address"]) for p in ports] == [
        (joined["port_id"], "network:router_interface", "10.1.0.1")]
    # Neutron's refusals: the same subnet again, an overlapping one, the port, the subnet
    # and the router while the interface is there.
    interface(client, member_a, router["id"], "add", 400, subnet_id=subnet_id)
    overlap = create_network(client, member_a, "b", "10.1.0.0/16")
    interface(client, member_a, router["id"], "add", 400, subnet_id=overlap["subnets"][0])
    assert client.delete(f"{NET}/ports/{joined['port_id']}",
                         headers=auth(member_a)).status_code == 409
    assert client.delete(f"{NET}/subnets/{subnet_id}",
                         headers=auth(member_a)).status_code == 409
    assert client.delete(f"{NET}/routers/{router['id']}",
                         headers=auth(member_a)).status_code == 409
    # By port: a free port of another subnet becomes the router's.
    other = create_network(client, member_a, "c", "10.2.0.0/24")
    made = client.post(f"{NET}/ports", headers=auth(member_a),
                       json={"port": {"network_id": other["id"]}})
    port = made.json()["port"]
    by_port = interface(client, member_a, router["id"], "add", port_id=port["id"])
    assert by_port["port_id"] == port["id"] and by_port["subnet_id"] == other["subnets"][0]
    shown = get(client, member_a, f"/ports/{port['id']}")["port"]
    assert (shown["device_owner"], shown["device_id"]) == ("network:router_interface",
                                                           router["id"])
    interface(client, member_a, router["id"], "add", 409, port_id=port["id"])
    interface(client, member_a, router["id"], "add", 400)  # neither subnet nor port
    # Removing: by subnet, by port; the ports go with the interfaces.
    interface(client, member_a, router["id"], "remove", subnet_id=subnet_id)
    interface(client, member_a, router["id"], "remove", 404, subnet_id=subnet_id)
    interface(client, member_a, router["id"], "remove", port_id=port["id"])
    assert get(client, member_a, "/ports", device_id=router["id"])["ports"] == []
    assert client.delete(f"{NET}/routers/{router['id']}",
                         headers=auth(member_a)).status_code == 204


def test_extra_routes(client: TestClient, member_a: Who) -> None:
    router = create_router(client, member_a)
    net = create_network(client, member_a, "a", "10.3.0.0/24")
    interface(client, member_a, router["id"], "add", subnet_id=net["subnets"][0])
    route = {"destination": "192.168.9.0/24", "nexthop": "10.3.0.9"}
    unreachable = {"destination": "192.168.8.0/24", "nexthop": "172.16.0.1"}
    path = f"{NET}/routers/{router['id']}"
    assert client.put(path, headers=auth(member_a), json={
        "router": {"routes": [unreachable]}}).status_code == 400
    assert client.put(path, headers=auth(member_a), json={
        "router": {"routes": [{"destination": "x", "nexthop": "10.3.0.9"}]}}).status_code == 400
    set_ = client.put(path, headers=auth(member_a), json={"router": {"routes": [route]}})
    assert set_.json()["router"]["routes"] == [route]
    more = {"destination": "192.168.10.0/24", "nexthop": "10.3.0.10"}
    added = client.put(f"{path}/add_extraroutes", headers=auth(member_a),
                       json={"router": {"routes": [more, route]}})
    assert added.json()["router"]["routes"] == [route, more]
    # The interface a route needs stays (409), until the routes go.
    interface(client, member_a, router["id"], "remove", 409, subnet_id=net["subnets"][0])
    removed = client.put(f"{path}/remove_extraroutes", headers=auth(member_a),
                         json={"router": {"routes": [route]}})
    assert removed.json()["router"]["routes"] == [more]
    renamed = client.put(path, headers=auth(member_a), json={"router": {"name": "r2"}})
    assert renamed.json()["router"]["routes"] == [more]  # absent: the routes stay
    # Tempest clears them with an explicit null, as Neutron allows.
    cleared = client.put(path, headers=auth(member_a), json={"router": {"routes": None}})
    assert cleared.json()["router"]["routes"] == []
    interface(client, member_a, router["id"], "remove", subnet_id=net["subnets"][0])


def test_projects_do_not_see_each_other(client: TestClient, member_a: Who,
                                        member_b: Who) -> None:
    mine = create_router(client, member_a)
    assert get(client, member_b, "/routers")["routers"] == []
    for method in ("GET", "DELETE"):
        assert client.request(method, f"{NET}/routers/{mine['id']}",
                              headers=auth(member_b)).status_code == 404
    theirs = create_network(client, member_b, "b", "10.4.0.0/24")
    interface(client, member_a, mine["id"], "add", 404, subnet_id=theirs["subnets"][0])


def test_racing_creates_stay_within_the_router_quota(client: TestClient, admin: Who,
                                                     member_a: Who) -> None:
    """The router claim is saved with the router: concurrent creates never pass the limit."""
    limited = client.put(f"{NET}/quotas/{member_a['project_id']}", headers=admin,
                         json={"quota": {"router": 3}})
    assert limited.status_code == 200 and limited.json()["quota"]["router"] == 3

    def create(_: int, call: int) -> str:
        return str(client.post(f"{NET}/routers", headers=auth(member_a),
                               json={"router": {"name": f"r{call}"}}).status_code)

    outcomes = fire_together(range(6), 10, create)
    assert outcomes == Counter({"201": 3, "409": 7}), outcomes
    details = get(client, member_a, f"/quotas/{member_a['project_id']}/details")["quota"]
    assert details["router"] == {"limit": 3, "used": 3, "reserved": 0}


def test_floating_ips_name_the_router_their_port_reaches(client: TestClient,
                                                         member_a: Who) -> None:
    net = create_network(client, member_a, "a", "10.5.0.0/24")
    port = client.post(f"{NET}/ports", headers=auth(member_a),
                       json={"port": {"network_id": net["id"]}}).json()["port"]
    floating = client.post(f"{NET}/floatingips", headers=auth(member_a), json={
        "floatingip": {}}).json()["floatingip"]
    assert floating["router_id"] is None  # on no port
    router = create_router(client, member_a, external_gateway_info={
        "network_id": public_network(client, member_a)["id"]})
    interface(client, member_a, router["id"], "add", subnet_id=net["subnets"][0])
    associated = client.put(f"{NET}/floatingips/{floating['id']}", headers=auth(member_a),
                            json={"floatingip": {"port_id": port["id"]}})
    assert associated.json()["floatingip"]["router_id"] == router["id"], associated.text
    shown = get(client, member_a, f"/floatingips/{floating['id']}")["floatingip"]
    assert shown["router_id"] == router["id"]
    freed = client.put(f"{NET}/floatingips/{floating['id']}", headers=auth(member_a),
                       json={"floatingip": {"port_id": None}})
    assert freed.json()["floatingip"]["router_id"] is None


def test_an_empty_gateway_is_none_and_a_bad_one_400(client: TestClient, member_a: Who) -> None:
    router = create_router(client, member_a, external_gateway_info={}, admin_state_up=False)
    assert router["external_gateway_info"] is None and router["admin_state_up"] is False
    bad = client.put(f"{NET}/routers/{router['id']}", headers=auth(member_a), json={
        "router": {"external_gateway_info": {"enable_snat": True}}})
    assert bad.status_code == 400, bad.text
    create_router(client, member_a, 400, external_gateway_info={"bogus": 1})


def test_router_ports_are_active(client: TestClient, member_a: Who) -> None:
    """Tempest waits for an interface's port to be ACTIVE before removing the interface."""
    router = create_router(client, member_a)
    net = create_network(client, member_a, "a", "10.6.0.0/24")
    joined = interface(client, member_a, router["id"], "add", subnet_id=net["subnets"][0])
    assert get(client, member_a, f"/ports/{joined['port_id']}")["port"]["status"] == "ACTIVE"


def test_only_admins_name_a_routers_kind(client: TestClient, member_a: Who, admin: Who) -> None:
    """Neutron's create/update_router:distributed and :ha are admins' (403 whatever the value);
    a distributed or HA router is not made here (400), a centralized one is."""
    for kind in ({"distributed": False}, {"ha": True}):
        create_router(client, member_a, 403, **kind)
    assert create_router(client, admin, distributed=False, ha=False)["distributed"] is False
    create_router(client, admin, 400, distributed=True)
    router = create_router(client, member_a)
    for kind in ({"distributed": True}, {"ha": False}):
        refused = client.put(f"{NET}/routers/{router['id']}", headers=auth(member_a),
                             json={"router": kind})
        assert refused.status_code == 403, refused.text
    assert [r["id"] for r in get(client, member_a, "/routers")["routers"]] == [router["id"]]
