"""os-interface over REST: a server's ports as interface attachments; attach a port on a
network (allocated and listed on the server in one save) and detach it (released)."""

from __future__ import annotations

from typing import Any

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
