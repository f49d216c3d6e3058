"""Networking `/network/v2.0`: networks, subnets, ports, floating IPs and quotas, end to end
through the API, on both stores."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.compute_api import Compute, auth
from tests.support.network_api import NET, booted_port, create_network, get, routed_to_public


def external_id(client: TestClient, who: dict[str, str]) -> str:
    nets = get(client, who, "/networks", **{"router:external": "True"})["networks"]
    assert len(nets) == 1 and nets[0]["router:external"] is True
    return str(nets[0]["id"])


def test_create_list_show_delete_network(client: TestClient, member_a: dict[str, str],
                                         admin: dict[str, str]) -> None:
    net = create_network(client, member_a, "mine")
    assert net["status"] == "ACTIVE" and net["shared"] is False
    assert net["router:external"] is False and net["project_id"] == member_a["project_id"]
    assert "provider:segmentation_id" not in net and "provider:network_type" not in net
    listed = get(client, member_a, "/networks")["networks"]
    assert [n["id"] for n in listed if not n["router:external"]] == [net["id"]]
    shown = get(client, member_a, f"/networks/{net['id']}")["network"]
    assert shown["subnets"] == net["subnets"]
    subnet = get(client, member_a, f"/subnets/{net['subnets'][0]}")["subnet"]
    assert subnet["network_id"] == net["id"] and subnet["ip_version"] == 4
    assert subnet["enable_dhcp"] is True and subnet["cidr"] == "10.0.0.0/24"
    assert subnet["gateway_ip"] == "10.0.0.1"
    assert subnet["allocation_pools"] == [{"start": "10.0.0.2", "end": "10.0.0.254"}]
    as_admin = get(client, admin, f"/networks/{net['id']}")["network"]
    assert as_admin["provider:network_type"] == "vlan"
    assert 100 <= as_admin["provider:segmentation_id"] <= 4094
    assert client.delete(f"{NET}/networks/{net['id']}", headers=auth(member_a)).status_code == 204
    missing = client.get(f"{NET}/networks/{net['id']}", headers=auth(member_a))
    assert missing.status_code == 404 and "NeutronError" in missing.json()


def test_bad_network_input_is_400(client: TestClient, member_a: dict[str, str]) -> None:
    for body in ({"network": {"name": 5}}, {"network": {"bogus": 1}}, {"nope": {}},
                 {"network": {"mtu": 9000}}, {"networks": []}):
        response = client.post(f"{NET}/networks", headers=auth(member_a), json=body)
        assert response.status_code == 400, (body, response.text)
        assert "NeutronError" in response.json()
    for body in ({"network": {"provider:segmentation_id": 200}}, {"network": {"shared": True}},
                 {"network": {"router:external": True}}):
        response = client.post(f"{NET}/networks", headers=auth(member_a), json=body)
        assert response.status_code == 403, (body, response.text)
    assert [n for n in get(client, member_a, "/networks")["networks"]
            if not n["router:external"]] == []
    assert client.get(f"{NET}/networks/not-a-uuid", headers=auth(member_a)).status_code == 404


def test_booted_server_port_matches_addresses(compute: Compute,
                                              member_a: dict[str, str]) -> None:
    server_id, port = booted_port(compute, member_a)
    nets = [n for n in get(compute.client, member_a, "/networks")["networks"]
            if not n["router:external"]]
    assert len(nets) == 1 and port["network_id"] == nets[0]["id"]
    assert port["device_owner"] == "compute:nova" and port["status"] == "ACTIVE"
    assert port["fixed_ips"][0]["subnet_id"] == nets[0]["subnets"][0]
    addresses = compute.show(member_a, server_id)["addresses"]
    (entries,) = addresses.values()
    assert entries == [{"version": 4, "addr": port["fixed_ips"][0]["ip_address"],
                        "OS-EXT-IPS:type": "fixed",
                        "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]}]
    assert get(compute.client, member_a, f"/ports/{port['id']}")["port"] == port
    by_network = get(compute.client, member_a, "/ports", network_id=nets[0]["id"])["ports"]
    assert [p["id"] for p in by_network] == [port["id"]]


def test_floating_ip_lifecycle(compute: Compute, member_a: dict[str, str]) -> None:
    client = compute.client
    server_id, port = booted_port(compute, member_a)
    created = client.post(f"{NET}/floatingips", headers=auth(member_a), json={
        "floatingip": {"floating_network_id": external_id(client, member_a)}})
    assert created.status_code == 201, created.text
    fip = created.json()["floatingip"]
    assert fip["port_id"] is None and fip["status"] == "DOWN"
    assert fip["floating_ip_address"].startswith("203.0.113.")
    updated = client.put(f"{NET}/floatingips/{fip['id']}", headers=auth(member_a),
                         json={"floatingip": {"port_id": port["id"]}})
    assert updated.status_code == 200, updated.text
    assert updated.json()["floatingip"]["fixed_ip_address"] == \
        port["fixed_ips"][0]["ip_address"]
    (entries,) = compute.show(member_a, server_id)["addresses"].values()
    floating = [e for e in entries if e["OS-EXT-IPS:type"] == "floating"]
    assert floating == [{"version": 4, "addr": fip["floating_ip_address"],
                         "OS-EXT-IPS:type": "floating",
                         "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]}]
    shown = get(client, member_a, f"/floatingips/{fip['id']}")["floatingip"]
    assert shown["port_id"] == port["id"] and shown["status"] == "ACTIVE"
    off = client.put(f"{NET}/floatingips/{fip['id']}", headers=auth(member_a),
                     json={"floatingip": {"port_id": None}})
    assert off.status_code == 200 and off.json()["floatingip"]["port_id"] is None
    (entries,) = compute.show(member_a, server_id)["addresses"].values()
    assert [e["OS-EXT-IPS:type"] for e in entries] == ["fixed"]
    assert client.delete(f"{NET}/floatingips/{fip['id']}",
                         headers=auth(member_a)).status_code == 204
    assert get(client, member_a, "/floatingips")["floatingips"] == []


def test_floating_ip_created_on_port(compute: Compute, member_a: dict[str, str]) -> None:
    server_id, port = booted_port(compute, member_a)
    created = compute.client.post(f"{NET}/floatingips", headers=auth(member_a), json={
        "floatingip": {"port_id": port["id"]}})
    assert created.status_code == 201, created.text
    address = created.json()["floatingip"]["floating_ip_address"]
    (entries,) = compute.show(member_a, server_id)["addresses"].values()
    assert address in [e["addr"] for e in entries]


def test_isolation(compute: Compute, member_a: dict[str, str],
                   member_b: dict[str, str]) -> None:
    client = compute.client
    _, port = booted_port(compute, member_a)
    fip_a = client.post(f"{NET}/floatingips", headers=auth(member_a),
                        json={"floatingip": {}}).json()["floatingip"]
    net_a = port["network_id"]
    assert [n for n in get(client, member_b, "/networks")["networks"]
            if not n["router:external"]] == []
    assert get(client, member_b, "/ports")["ports"] == []
    assert get(client, member_b, "/floatingips")["floatingips"] == []
    assert [s for s in get(client, member_b, "/subnets")["subnets"]
            if s["network_id"] == net_a] == []
    for path in (f"/networks/{net_a}", f"/ports/{port['id']}", f"/floatingips/{fip_a['id']}"):
        response = client.get(NET + path, headers=auth(member_b))
        assert response.status_code == 404, path
        assert "NeutronError" in response.json()
    assert client.delete(f"{NET}/networks/{net_a}", headers=auth(member_b)).status_code == 404
    assert client.delete(f"{NET}/floatingips/{fip_a['id']}",
                         headers=auth(member_b)).status_code == 404
    fip_b = client.post(f"{NET}/floatingips", headers=auth(member_b),
                        json={"floatingip": {}}).json()["floatingip"]
    steal = client.put(f"{NET}/floatingips/{fip_b['id']}", headers=auth(member_b),
                       json={"floatingip": {"port_id": port["id"]}})
    assert steal.status_code == 404, steal.text
    at_create = client.post(f"{NET}/floatingips", headers=auth(member_b),
                            json={"floatingip": {"port_id": port["id"]}})
    assert at_create.status_code == 404
    assert len(get(client, member_b, "/floatingips")["floatingips"]) == 1
    quota = client.get(f"{NET}/quotas/{member_a['project_id']}", headers=auth(member_b))
    assert quota.status_code == 403


def test_floating_ip_quota(cloud: Cloud, client: TestClient, admin: dict[str, str],
                           member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    response = client.put(f"/compute/v2.1/os-quota-sets/{project}", headers=auth(admin),
                          json={"quota_set": {"floating_ips": 2}})
    assert response.status_code == 200, response.text
    quota = get(client, member_a, f"/quotas/{project}")["quota"]
    assert quota["floatingip"] == 2 and quota["port"] == -1 and quota["network"] >= 1
    for _ in range(2):
        ok = client.post(f"{NET}/floatingips", headers=auth(member_a), json={"floatingip": {}})
        assert ok.status_code == 201, ok.text
    over = client.post(f"{NET}/floatingips", headers=auth(member_a), json={"floatingip": {}})
    assert over.status_code == 409, over.text
    assert "Quota exceeded" in over.json()["NeutronError"]["message"]
    details = get(client, member_a, f"/quotas/{project}/details")["quota"]
    assert details["floatingip"] == {"limit": 2, "used": 2, "reserved": 0}


def test_floating_ip_bad_input(client: TestClient, member_a: dict[str, str]) -> None:
    net = create_network(client, member_a)
    for body in ({"floatingip": {"floating_ip_address": "10.9.9.9"}},
                 {"floatingip": {"floating_network_id": net["id"]}},
                 {"floatingip": {"unknown": 1}}, {"floatingip": "x"}):
        response = client.post(f"{NET}/floatingips", headers=auth(member_a), json=body)
        assert response.status_code == 400, (body, response.text)
        assert "NeutronError" in response.json()
    missing = client.post(f"{NET}/floatingips", headers=auth(member_a), json={
        "floatingip": {"floating_network_id": "00000000-0000-0000-0000-000000000001"}})
    assert missing.status_code == 404


def test_floating_ip_on_a_chosen_fixed_ip(client: TestClient, member_a: dict[str, str]) -> None:
    """Neutron's fixed_ip_address picks one address of a port with several, on create and on
    update (the same port, another address); one the port lacks is 400 and changes nothing."""
    net = create_network(client, member_a, "multi", "10.5.0.0/24")
    subnet = net["subnets"][0]
    routed_to_public(client, member_a, subnet)
    port = client.post(f"{NET}/ports", headers=auth(member_a), json={"port": {
        "network_id": net["id"], "fixed_ips": [{"subnet_id": subnet, "ip_address": "10.5.0.20"},
                                               {"subnet_id": subnet,
                                                "ip_address": "10.5.0.21"}]}}).json()["port"]
    created = client.post(f"{NET}/floatingips", headers=auth(member_a), json={"floatingip": {
        "port_id": port["id"], "fixed_ip_address": "10.5.0.21"}})
    assert created.status_code == 201, created.text
    fip = created.json()["floatingip"]
    assert (fip["port_id"], fip["fixed_ip_address"]) == (port["id"], "10.5.0.21")
    moved = client.put(f"{NET}/floatingips/{fip['id']}", headers=auth(member_a), json={
        "floatingip": {"port_id": port["id"], "fixed_ip_address": "10.5.0.20"}})
    assert moved.status_code == 200, moved.text
    assert moved.json()["floatingip"]["fixed_ip_address"] == "10.5.0.20"
    wrong = client.put(f"{NET}/floatingips/{fip['id']}", headers=auth(member_a), json={
        "floatingip": {"port_id": port["id"], "fixed_ip_address": "10.5.0.99"}})
    assert wrong.status_code == 400 and "NeutronError" in wrong.json()
    shown = get(client, member_a, f"/floatingips/{fip['id']}")["floatingip"]
    assert (shown["port_id"], shown["fixed_ip_address"]) == (port["id"], "10.5.0.20")
