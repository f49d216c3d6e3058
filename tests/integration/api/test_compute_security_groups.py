"""Compute's security group proxies (`/os-security-groups`, `/os-security-group-rules`, below
2.36), a server's groups, addSecurityGroup/removeSecurityGroup and `security_groups` at boot,
through the API on both stores: they act on the Network API's groups and ports."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.compute_api import Compute, auth
from tests.support.network_api import NET, get

Who = dict[str, str]
V21 = "/compute/v2.1"


def nova_group(client: TestClient, who: Who, name: str) -> Any:
    response = client.post(f"{V21}/os-security-groups", headers=auth(who, "2.35"),
                           json={"security_group": {"name": name, "description": "d"}})
    assert response.status_code == 200, response.text
    return response.json()["security_group"]


def nova_rule(client: TestClient, who: Who, status: int = 200, **rule: Any) -> Any:
    response = client.post(f"{V21}/os-security-group-rules", headers=auth(who, "2.35"),
                           json={"security_group_rule": rule})
    assert response.status_code == status, response.text
    return response.json()


def port_groups(client: TestClient, who: Who, server_id: str) -> list[str]:
    [port] = get(client, who, "/ports", device_id=server_id)["ports"]
    return list(port["security_groups"])


def test_proxy_groups_and_rules(client: TestClient, member_a: Who) -> None:
    listed = client.get(f"{V21}/os-security-groups", headers=auth(member_a, "2.35"))
    assert listed.status_code == 200
    [default] = listed.json()["security_groups"]
    assert default["name"] == "default"
    assert [r["group"]["name"] for r in default["rules"]] == ["default", "default"]  # ingress
    group = nova_group(client, member_a, "web")
    assert group["rules"] == [] and group["tenant_id"] == member_a["project_id"]
    rule = nova_rule(client, member_a, parent_group_id=group["id"], ip_protocol="tcp",
                     from_port=22, to_port=22)["security_group_rule"]
    assert (rule["from_port"], rule["to_port"], rule["ip_range"], rule["group"]) == (
        22, 22, {"cidr": "0.0.0.0/0"}, {})
    nova_rule(client, member_a, 400, parent_group_id=group["id"], ip_protocol="tcp",
              from_port=22, to_port=22)  # a duplicate is Nova's 400
    nova_rule(client, member_a, 400, parent_group_id=group["id"], ip_protocol="tcp",
              from_port=22, to_port=21)
    nova_rule(client, member_a, 400, parent_group_id="not-a-uuid", ip_protocol="tcp",
              from_port=22, to_port=22)
    peer = nova_group(client, member_a, "peer")
    by_group = nova_rule(client, member_a, parent_group_id=group["id"], ip_protocol="icmp",
                         from_port=-1, to_port=-1, group_id=peer["id"])["security_group_rule"]
    assert by_group["group"] == {"name": "peer", "tenant_id": member_a["project_id"]}
    assert (by_group["from_port"], by_group["to_port"]) == (-1, -1)
    shown = client.get(f"{V21}/os-security-groups/{group['id']}", headers=auth(member_a, "2.35"))
    assert {r["id"] for r in shown.json()["security_group"]["rules"]} == {rule["id"],
                                                                          by_group["id"]}
    assert client.delete(f"{V21}/os-security-groups/{peer['id']}",
                         headers=auth(member_a, "2.35")).status_code == 202
    shown = client.get(f"{V21}/os-security-groups/{group['id']}", headers=auth(member_a, "2.35"))
    assert [r["id"] for r in shown.json()["security_group"]["rules"]] == [rule["id"]]
    assert client.delete(f"{V21}/os-security-group-rules/{rule['id']}",
                         headers=auth(member_a, "2.35")).status_code == 202
    refused = client.delete(f"{V21}/os-security-groups/{default['id']}",
                            headers=auth(member_a, "2.35"))
    assert refused.status_code == 400 and "badRequest" in refused.json()
    nothing = client.delete(f"{V21}/os-security-groups/", headers=auth(member_a, "2.35"))
    assert nothing.status_code == 404
    gone = client.get(f"{V21}/os-security-groups", headers=auth(member_a, "2.36"))
    assert gone.status_code == 404


def test_server_groups_and_actions(client: TestClient, compute: Compute,
                                   member_a: Who) -> None:
    web = nova_group(client, member_a, "web")
    server_id = compute.active(member_a, security_groups=[{"name": "web"}])
    assert port_groups(client, member_a, server_id) == [web["id"]]
    assert compute.action(member_a, server_id, {"addSecurityGroup": {"name": "default"}},
                          "2.35").status_code == 202
    listed = client.get(f"{V21}/servers/{server_id}/os-security-groups",
                        headers=auth(member_a, "2.35")).json()["security_groups"]
    assert [g["name"] for g in listed] == ["default", "web"]
    in_use = client.delete(f"{V21}/os-security-groups/{web['id']}",
                           headers=auth(member_a, "2.35"))
    assert in_use.status_code == 400
    assert compute.action(member_a, server_id, {"removeSecurityGroup": {"name": "web"}},
                          "2.35").status_code == 202
    assert len(port_groups(client, member_a, server_id)) == 1
    again = compute.action(member_a, server_id, {"removeSecurityGroup": {"name": "web"}})
    assert again.status_code == 404
    missing = compute.action(member_a, server_id, {"addSecurityGroup": {"name": "nope"}})
    assert missing.status_code == 404
    nova_group(client, member_a, "twin")
    nova_group(client, member_a, "twin")
    ambiguous = compute.action(member_a, server_id, {"addSecurityGroup": {"name": "twin"}})
    assert ambiguous.status_code == 409
    assert client.delete(f"{V21}/os-security-groups/{web['id']}",
                         headers=auth(member_a, "2.35")).status_code == 202


def test_boot_defaults_and_unknown_group(client: TestClient, compute: Compute,
                                         member_a: Who) -> None:
    server_id = compute.active(member_a)
    default = get(client, member_a, "/security-groups", name="default")["security_groups"]
    assert port_groups(client, member_a, server_id) == [default[0]["id"]]
    unknown = compute.boot(member_a, security_groups=[{"name": "nope"}])
    assert unknown.status_code == 400, unknown.text


def test_admin_may_delete_a_default_group_that_comes_back(client: TestClient, admin: Who,
                                                          member_a: Who) -> None:
    [default] = get(client, member_a, "/security-groups")["security_groups"]
    deleted = client.delete(f"{NET}/security-groups/{default['id']}", headers=admin)
    assert deleted.status_code == 204, deleted.text
    [again] = get(client, member_a, "/security-groups")["security_groups"]
    assert again["id"] == default["id"] and len(again["security_group_rules"]) == 4
    quota = get(client, member_a, f"/quotas/{member_a['project_id']}/details")["quota"]
    assert (quota["security_group"]["used"], quota["security_group_rule"]["used"]) == (1, 4)
