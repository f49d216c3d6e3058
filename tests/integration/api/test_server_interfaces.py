"""os-interface over REST: a server's ports as interface attachments; attach a port on a
network (allocated and listed on the server in one save) and detach it (released)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.support.compute_api import Compute, auth

SERVERS = "/compute/v2.1/servers"


def interfaces(compute: Compute, who: dict[str, str], server_id: str,
               version: str | None = None) -> list[dict[str, Any]]:
    response = compute.client.get(f"{SERVERS}/{server_id}/os-interface",
                                  headers=auth(who, version))
    assert response.status_code == 200, response.text
    return list(response.json()["interfaceAttachments"])


def attach(compute: Compute, who: dict[str, str], server_id: str, body: dict[str, Any],
           version: str | None = None) -> Any:
    return compute.client.post(f"{SERVERS}/{server_id}/os-interface",
                               json={"interfaceAttachment": body}, headers=auth(who, version))


def test_attach_list_show_and_detach_an_interface(compute: Compute,
                                                  member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    [first] = interfaces(compute, member_a, server_id)
    assert set(first) == {"net_id", "port_id", "mac_addr", "fixed_ips", "port_state"}
    assert first["port_state"] == "ACTIVE" and first["fixed_ips"][0]["subnet_id"]

    added = attach(compute, member_a, server_id, {"net_id": first["net_id"]}, "2.70")
    assert added.status_code == 200, added.text
    new = added.json()["interfaceAttachment"]
    assert new["net_id"] == first["net_id"] and new["tag"] is None
    assert new["port_id"] != first["port_id"] and new["mac_addr"] != first["mac_addr"]
    listed = interfaces(compute, member_a, server_id)
    assert {i["port_id"] for i in listed} == {first["port_id"], new["port_id"]}
    shown = compute.client.get(f"{SERVERS}/{server_id}/os-interface/{new['port_id']}",
                               headers=auth(member_a))
    assert shown.status_code == 200 and shown.json()["interfaceAttachment"]["port_id"] == \
        new["port_id"]
    port = compute.client.get(f"/network/v2.0/ports/{new['port_id']}", headers=auth(member_a))
    assert port.json()["port"]["device_id"] == server_id

    gone = compute.client.delete(f"{SERVERS}/{server_id}/os-interface/{new['port_id']}",
                                 headers=auth(member_a))
    assert gone.status_code == 202, gone.text
    assert [i["port_id"] for i in interfaces(compute, member_a, server_id)] == \
        [first["port_id"]]
    port = compute.client.get(f"/network/v2.0/ports/{new['port_id']}", headers=auth(member_a))
    assert port.status_code == 404
    again = compute.client.delete(f"{SERVERS}/{server_id}/os-interface/{new['port_id']}",
                                  headers=auth(member_a))
    assert again.status_code == 404


def test_bad_attach_requests_are_4xx_and_change_nothing(compute: Compute,
                                                        member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    [first] = interfaces(compute, member_a, server_id)
    for body, version in (({"net_id": first["net_id"], "port_id": first["port_id"]}, None),
                          ({"fixed_ips": [{"ip_address": "10.0.0.9"}]}, None),
                          ({"net_id": first["net_id"], "tag": "t"}, "2.48"),
                          ({"bogus": 1}, None),
                          ({"net_id": "9e3f1c3e-8f5e-4f36-9a57-1d1e5b1e6b55"}, None)):
        refused = attach(compute, member_a, server_id, body, version)
        assert 400 <= refused.status_code < 500, (body, refused.text)
    compute.action(member_a, server_id, {"os-stop": None})  # a task in progress: 409
    busy = attach(compute, member_a, server_id, {"net_id": first["net_id"]})
    assert busy.status_code == 409, busy.text
    assert len(interfaces(compute, member_a, server_id)) == 1
    missing = compute.client.get(f"{SERVERS}/{server_id}/os-interface/{first['net_id']}",
                                 headers=auth(member_a))
    assert missing.status_code == 404


def make_port(compute: Compute, who: dict[str, str], network_id: str,
              **port: Any) -> dict[str, Any]:
    made = compute.client.post("/network/v2.0/ports", headers=auth(who),
                               json={"port": {"network_id": network_id, **port}})
    assert made.status_code == 201, made.text
    return dict(made.json()["port"])


def port_of(compute: Compute, who: dict[str, str], port_id: str) -> dict[str, Any]:
    found = compute.client.get(f"/network/v2.0/ports/{port_id}", headers=auth(who))
    assert found.status_code == 200, found.text
    return dict(found.json()["port"])


def test_a_users_port_is_bound_on_attach_and_kept_on_detach_and_delete(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    [first] = interfaces(compute, member_a, server_id)
    made = make_port(compute, member_a, first["net_id"], name="mine")
    added = attach(compute, member_a, server_id, {"port_id": made["id"]})
    assert added.status_code == 200, added.text
    shown = added.json()["interfaceAttachment"]
    assert (shown["port_id"], shown["mac_addr"]) == (made["id"], made["mac_address"])
    assert shown["fixed_ips"] == made["fixed_ips"]
    bound = port_of(compute, member_a, made["id"])
    assert (bound["device_id"], bound["device_owner"]) == (server_id, "compute:nova")
    assert bound["security_groups"] == made["security_groups"]  # the port's own apply
    again = attach(compute, member_a, server_id, {"port_id": made["id"]})
    assert again.status_code == 409, again.text  # Nova's PortInUse

    gone = compute.client.delete(f"{SERVERS}/{server_id}/os-interface/{made['id']}",
                                 headers=auth(member_a))
    assert gone.status_code == 202, gone.text
    assert [i["port_id"] for i in interfaces(compute, member_a, server_id)] == \
        [first["port_id"]]
    kept = port_of(compute, member_a, made["id"])
    assert (kept["device_id"], kept["device_owner"], kept["name"]) == ("", "", "mine")
    assert kept["fixed_ips"] == made["fixed_ips"] and kept["mac_address"] == made["mac_address"]

    assert attach(compute, member_a, server_id, {"port_id": made["id"]}).status_code == 200
    assert compute.client.delete(f"{SERVERS}/{server_id}",
                                 headers=auth(member_a)).status_code == 204
    compute.deleted(server_id)
    assert port_of(compute, member_a, made["id"])["device_id"] == ""
    own = compute.client.get(f"/network/v2.0/ports/{first['port_id']}", headers=auth(member_a))
    assert own.status_code == 404  # the port the server made went with it


def test_ports_a_server_cannot_take_are_refused(compute: Compute, member_a: dict[str, str],
                                                member_b: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    [first] = interfaces(compute, member_a, server_id)
    other = compute.active(member_b)
    [theirs] = interfaces(compute, member_b, other)
    for port_id, code in ((theirs["port_id"], 404),  # another project's: not seen
                          (first["port_id"], 409),  # the server's own: in use
                          ("9e3f1c3e-8f5e-4f36-9a57-1d1e5b1e6b55", 404), ("nope", 400)):
        refused = attach(compute, member_a, server_id, {"port_id": port_id})
        assert refused.status_code == code, (port_id, refused.text)
        assert refused.json()  # an OpenStack error body
    labelled = make_port(compute, member_a, first["net_id"], device_id="elsewhere")
    assert attach(compute, member_a, server_id,
                  {"port_id": labelled["id"]}).status_code == 409
    assert len(interfaces(compute, member_a, server_id)) == 1


def test_a_server_boots_with_a_users_port_and_leaves_it(compute: Compute,
                                                        member_a: dict[str, str]) -> None:
    first = compute.active(member_a)
    [theirs] = interfaces(compute, member_a, first)
    made = make_port(compute, member_a, theirs["net_id"])
    many = compute.boot(member_a, networks=[{"port": made["id"]}], max_count=2)
    assert many.status_code == 400, many.text  # one port, one server
    server_id = compute.active(member_a, networks=[{"port": made["id"]}])
    [nic] = interfaces(compute, member_a, server_id)
    assert (nic["port_id"], nic["mac_addr"]) == (made["id"], made["mac_address"])
    assert port_of(compute, member_a, made["id"])["device_id"] == server_id
    taken = compute.boot(member_a, networks=[{"port": made["id"]}])
    assert taken.status_code == 409, taken.text  # Nova's PortInUse
    assert compute.client.delete(f"{SERVERS}/{server_id}",
                                 headers=auth(member_a)).status_code == 204
    compute.deleted(server_id)
    assert port_of(compute, member_a, made["id"])["device_owner"] == ""


def test_a_floating_ip_of_an_attached_port_follows_its_binding(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    [first] = interfaces(compute, member_a, server_id)
    made = make_port(compute, member_a, first["net_id"])
    public = compute.client.get("/network/v2.0/networks?name=public",
                                headers=auth(member_a)).json()["networks"][0]
    created = compute.client.post("/network/v2.0/floatingips", headers=auth(member_a), json={
        "floatingip": {"floating_network_id": public["id"], "port_id": made["id"]}})
    assert created.status_code == 201, created.text
    floating_id = UUID(created.json()["floatingip"]["id"])

    def instance_of_floating_ip() -> str | None:
        return compute.cloud.app.repository.get(floating_id).instance_id  # type: ignore[no-any-return]

    assert attach(compute, member_a, server_id, {"port_id": made["id"]}).status_code == 200
    assert instance_of_floating_ip() == server_id.replace("-", "")  # the host that NATs it
    assert compute.client.delete(f"{SERVERS}/{server_id}/os-interface/{made['id']}",
                                 headers=auth(member_a)).status_code == 202
    assert instance_of_floating_ip() == ""
    assert port_of(compute, member_a, made["id"])["device_id"] == ""
