"""Networking `/network/v2.0/ports` create/update/delete through the API, on both stores: free
ports share the address allocator and the `port` quota with instances' ports, bad input
changes nothing, and one project never touches another's ports."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from projections.networks import NetworkProjection
from tests.integration.races import fire_together
from tests.support.compute_api import Compute, auth
from tests.support.network_api import NET, booted_port, create_network, get, routed_to_public
from tests.support.read_models import dump_table

Who = dict[str, str]


def create_port(client: TestClient, who: Who, **port: Any) -> Any:
    response = client.post(f"{NET}/ports", headers=auth(who), json={"port": port})
    assert response.status_code == 201, response.text
    return response.json()["port"]


def port_ids(client: TestClient, who: Who) -> list[str]:
    return [p["id"] for p in get(client, who, "/ports")["ports"]]


def ports_used(client: TestClient, who: Who) -> int:
    details = get(client, who, f"/quotas/{who['project_id']}/details")["quota"]
    return int(details["port"]["used"])


def test_free_port_lifecycle(client: TestClient, member_a: Who) -> None:
    net = create_network(client, member_a)
    subnet = get(client, member_a, f"/subnets/{net['subnets'][0]}")["subnet"]
    port = create_port(client, member_a, network_id=net["id"], name="p1", description="mine",
                       device_id="my-appliance", device_owner="appliance")
    assert port["network_id"] == net["id"] and port["project_id"] == member_a["project_id"]
    assert (port["name"], port["description"]) == ("p1", "mine")
    assert (port["device_id"], port["device_owner"], port["status"]) == (
        "my-appliance", "appliance", "DOWN")
    assert port["mac_address"].startswith("fa:16:3e:")
    [fixed] = port["fixed_ips"]
    assert fixed == {"subnet_id": subnet["id"],
                     "ip_address": subnet["allocation_pools"][0]["start"]}
    assert get(client, member_a, f"/ports/{port['id']}")["port"] == port
    assert [p["id"] for p in get(client, member_a, "/ports", name="p1")["ports"]] == [port["id"]]
    by_device = get(client, member_a, "/ports", device_id="my-appliance")["ports"]
    assert [p["id"] for p in by_device] == [port["id"]]
    assert ports_used(client, member_a) == 1

    renamed = client.put(f"{NET}/ports/{port['id']}", headers=auth(member_a),
                         json={"port": {"name": "p2", "description": "renamed"}})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["port"]["name"], renamed.json()["port"]["description"]) == (
        "p2", "renamed")
    assert get(client, member_a, f"/ports/{port['id']}")["port"]["name"] == "p2"

    assert client.delete(f"{NET}/ports/{port['id']}", headers=auth(member_a)).status_code == 204
    gone = client.get(f"{NET}/ports/{port['id']}", headers=auth(member_a))
    assert gone.status_code == 404 and "NeutronError" in gone.json()
    assert port_ids(client, member_a) == [] and ports_used(client, member_a) == 0
    again = create_port(client, member_a, network_id=net["id"])  # the address is free again
    assert again["fixed_ips"][0]["ip_address"] == fixed["ip_address"]


def test_chosen_address_and_mac(client: TestClient, member_a: Who) -> None:
    net = create_network(client, member_a)
    subnet_id = net["subnets"][0]
    address = get(client, member_a, f"/subnets/{subnet_id}")["subnet"]["gateway_ip"]
    address = address.rsplit(".", 1)[0] + ".77"
    port = create_port(client, member_a, network_id=net["id"], mac_address="FA-16-3E-00-00-01",
                       fixed_ips=[{"subnet_id": subnet_id, "ip_address": address}])
    assert port["mac_address"] == "fa:16:3e:00:00:01"
    assert port["fixed_ips"][0]["ip_address"] == address
    taken_ip = client.post(f"{NET}/ports", headers=auth(member_a), json={"port": {
        "network_id": net["id"], "fixed_ips": [{"ip_address": address}]}})
    assert taken_ip.status_code == 409, taken_ip.text
    taken_mac = client.post(f"{NET}/ports", headers=auth(member_a), json={"port": {
        "network_id": net["id"], "mac_address": "fa:16:3e:00:00:01"}})
    assert taken_mac.status_code == 409, taken_mac.text
    assert port_ids(client, member_a) == [port["id"]] and ports_used(client, member_a) == 1


def test_bad_port_input_is_4xx_and_changes_nothing(client: TestClient, member_a: Who) -> None:
    net = create_network(client, member_a)
    ext = [n for n in get(client, member_a, "/networks")["networks"] if n["router:external"]]
    net_id = net["id"]
    bad_bodies: list[Any] = [
        {"port": {}}, {"port": {"network_id": "not-a-uuid"}}, {"nope": {}}, {"port": "x"},
        {"port": {"network_id": ext[0]["id"], "fixed_ips": [{"ip_address": "10.0.0.9"}]}},
        {"port": {"network_id": net_id, "bogus": 1}},
        {"port": {"network_id": net_id, "name": 5}},
        {"port": {"network_id": net_id, "name": "x" * 256}},
        {"port": {"network_id": net_id, "mac_address": "not-a-mac"}},
        {"port": {"network_id": net_id, "mac_address": "01:00:5e:00:00:01"}},  # multicast
        {"port": {"network_id": net_id, "fixed_ips": [{"ip_address": "10.0.0.9"},
                                                      {"ip_address": "10.0.0.9"}]}},
        {"port": {"network_id": net_id, "fixed_ips": [{}]}},
        {"port": {"network_id": net_id, "binding:vnic_type": "bogus"}},
        {"port": {"network_id": net_id, "fixed_ips": [{"ip_address": "192.168.77.5"}]}},
        {"port": {"network_id": net_id, "fixed_ips": [{"ip_address": "nonsense"}]}},
        {"port": {"network_id": net_id, "fixed_ips": [{"subnet_id": ext[0]["subnets"][0]}]}},
        {"port": {"network_id": net_id, "security_groups": ["default"]}},
    ]
    for body in bad_bodies:
        response = client.post(f"{NET}/ports", headers=auth(member_a), json=body)
        assert response.status_code == 400, (body, response.text)
        assert "NeutronError" in response.json()
    unknown = client.post(f"{NET}/ports", headers=auth(member_a), json={"port": {
        "network_id": "00000000-0000-0000-0000-000000000001"}})
    assert unknown.status_code == 404
    assert port_ids(client, member_a) == [] and ports_used(client, member_a) == 0

    port = create_port(client, member_a, network_id=net_id, name="keep")
    for body in ({"port": {"name": 7}}, {"port": {"mac_address": "fa:16:3e:00:00:09"}},
                 {"port": {"admin_state_up": "nope"}}, {"port": "x"},
                 {"port": {"fixed_ips": [{"ip_address": "192.168.77.5"}]}}):
        response = client.put(f"{NET}/ports/{port['id']}", headers=auth(member_a), json=body)
        assert response.status_code == 400, (body, response.text)
    assert get(client, member_a, f"/ports/{port['id']}")["port"] == port


def test_port_quota(client: TestClient, admin: Who, member_a: Who) -> None:
    net = create_network(client, member_a)
    project = member_a["project_id"]
    limited = client.put(f"{NET}/quotas/{project}", headers=auth(admin),
                         json={"quota": {"port": 1}})
    assert limited.status_code == 200, limited.text
    create_port(client, member_a, network_id=net["id"])
    over = client.post(f"{NET}/ports", headers=auth(member_a),
                       json={"port": {"network_id": net["id"]}})
    assert over.status_code == 409, over.text
    assert "Quota exceeded for resources: ['port']" in over.json()["NeutronError"]["message"]
    assert len(port_ids(client, member_a)) == 1 and ports_used(client, member_a) == 1


def test_free_ports_and_instance_ports_share_one_allocator(compute: Compute,
                                                          member_a: Who) -> None:
    client = compute.client
    net = create_network(client, member_a)
    free = create_port(client, member_a, network_id=net["id"])
    server_id = compute.active(member_a, version="2.37", networks=[{"uuid": net["id"]}])
    [bound] = get(client, member_a, "/ports", device_id=server_id)["ports"]
    assert bound["network_id"] == net["id"]
    assert bound["fixed_ips"][0]["ip_address"] != free["fixed_ips"][0]["ip_address"]
    assert bound["mac_address"] != free["mac_address"]
    assert ports_used(client, member_a) == 2


def test_instance_port_is_deleted_with_its_server(compute: Compute,
                                                  member_a: Who) -> None:
    client = compute.client
    server_id, port = booted_port(compute, member_a)
    refused = client.delete(f"{NET}/ports/{port['id']}", headers=auth(member_a))
    assert refused.status_code == 409, refused.text
    assert refused.json()["NeutronError"]["type"] == "Conflict"
    assert get(client, member_a, f"/ports/{port['id']}")["port"] == port
    (entries,) = compute.show(member_a, server_id)["addresses"].values()
    assert [e["addr"] for e in entries] == [port["fixed_ips"][0]["ip_address"]]
    renamed = client.put(f"{NET}/ports/{port['id']}", headers=auth(member_a),
                         json={"port": {"name": "nic0"}})
    assert renamed.status_code == 200, renamed.text
    shown = get(client, member_a, f"/ports/{port['id']}")["port"]
    assert (shown["name"], shown["status"], shown["device_owner"]) == (
        "nic0", "ACTIVE", "compute:nova")


def test_deleting_a_free_port_keeps_its_floating_ip(client: TestClient, member_a: Who) -> None:
    net = create_network(client, member_a)
    routed_to_public(client, member_a, net["subnets"][0])
    port = create_port(client, member_a, network_id=net["id"])
    created = client.post(f"{NET}/floatingips", headers=auth(member_a),
                          json={"floatingip": {"port_id": port["id"]}})
    assert created.status_code == 201, created.text
    fip = created.json()["floatingip"]
    assert fip["port_id"] == port["id"]
    assert client.delete(f"{NET}/ports/{port['id']}", headers=auth(member_a)).status_code == 204
    kept = get(client, member_a, f"/floatingips/{fip['id']}")["floatingip"]
    assert kept["port_id"] is None and kept["status"] == "DOWN"  # as in Neutron


def test_ports_are_isolated_between_projects(client: TestClient, member_a: Who,
                                             member_b: Who) -> None:
    net = create_network(client, member_a)
    port = create_port(client, member_a, network_id=net["id"], name="a-port")
    assert get(client, member_b, "/ports")["ports"] == []
    assert get(client, member_b, "/ports", device_id="")["ports"] == []
    attempts = [
        client.get(f"{NET}/ports/{port['id']}", headers=auth(member_b)),
        client.put(f"{NET}/ports/{port['id']}", headers=auth(member_b),
                   json={"port": {"name": "stolen"}}),
        client.delete(f"{NET}/ports/{port['id']}", headers=auth(member_b)),
        client.post(f"{NET}/ports", headers=auth(member_b),
                    json={"port": {"network_id": net["id"]}}),
    ]
    for response in attempts:
        assert response.status_code == 404, response.text
        assert "NeutronError" in response.json()
    assert get(client, member_a, f"/ports/{port['id']}")["port"] == port
    assert ports_used(client, member_a) == 1 and ports_used(client, member_b) == 0


def test_concurrent_creates_never_share_an_address_nor_pass_the_quota(
        client: TestClient, admin: Who, member_a: Who) -> None:
    net = create_network(client, member_a)
    limited = client.put(f"{NET}/quotas/{member_a['project_id']}", headers=auth(admin),
                         json={"quota": {"port": 10}})
    assert limited.status_code == 200, limited.text

    def attempt(_: int, call: int) -> str:
        response = client.post(f"{NET}/ports", headers=auth(member_a),
                               json={"port": {"network_id": net["id"], "name": f"p{call}"}})
        return str(response.status_code)

    outcomes = fire_together(range(8), 16, attempt)
    assert outcomes == Counter({"201": 10, "409": 6}), outcomes
    ports = get(client, member_a, "/ports")["ports"]
    assert len(ports) == 10 and ports_used(client, member_a) == 10
    assert len({p["fixed_ips"][0]["ip_address"] for p in ports}) == 10
    assert len({p["mac_address"] for p in ports}) == 10


def test_rebuilt_port_read_model_equals_the_live_one(cloud: Cloud, compute: Compute,
                                                     member_a: Who) -> None:
    client = compute.client
    _, bound = booted_port(compute, member_a)
    client.put(f"{NET}/ports/{bound['id']}", headers=auth(member_a),
               json={"port": {"name": "nic0"}})
    net = create_network(client, member_a)
    kept = create_port(client, member_a, network_id=net["id"], name="kept", device_id="dev")
    client.put(f"{NET}/ports/{kept['id']}", headers=auth(member_a),
               json={"port": {"description": "relabelled"}})
    gone = create_port(client, member_a, network_id=net["id"], name="gone")
    client.delete(f"{NET}/ports/{gone['id']}", headers=auth(member_a))
    cloud.sync_read_models()
    tables = NetworkProjection.tables
    live = {t: dump_table(cloud.store, t) for t in tables}
    assert len(live["port_labels"]) == 2
    runner = cloud.runners["networks"]
    runner.batch_size = 3
    assert runner.rebuild() == cloud.app.head()
    assert {t: dump_table(cloud.store, t) for t in tables} == live


def test_extensions_name_only_what_is_answered(client: TestClient, member_a: Who) -> None:
    aliases = {e["alias"] for e in get(client, member_a, "/extensions")["extensions"]}
    assert {"external-net", "quotas", "quota_details"} <= aliases
    assert "tag-ports-during-bulk-creation" not in aliases  # `port create` asks for it
    assert get(client, member_a, "/extensions/quotas")["extension"]["alias"] == "quotas"
    missing = client.get(f"{NET}/extensions/dvr", headers=auth(member_a))
    assert missing.status_code == 404 and "NeutronError" in missing.json()
    assert client.get(f"{NET}/extensions").status_code == 401
