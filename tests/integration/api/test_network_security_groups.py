"""Networking `/network/v2.0/security-groups` and `/security-group-rules` through the API, on
both stores: the default group made on first look, Neutron's validation and duplicates, the
cascade of remote-group rules, quota, ports' `security_groups`, and isolation of projects."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.races import fire_together
from tests.support.compute_api import auth
from tests.support.network_api import NET, create_network, get

Who = dict[str, str]


def create_group(client: TestClient, who: Who, name: str = "web", **extra: Any) -> Any:
    response = client.post(f"{NET}/security-groups", headers=auth(who),
                           json={"security_group": {"name": name, **extra}})
    assert response.status_code == 201, response.text
    return response.json()["security_group"]


def add_rule(client: TestClient, who: Who, group_id: str, status: int = 201,
             **rule: Any) -> Any:
    response = client.post(f"{NET}/security-group-rules", headers=auth(who),
                           json={"security_group_rule": {"security_group_id": group_id,
                                                         "direction": "ingress", **rule}})
    assert response.status_code == status, response.text
    return response.json()


def groups(client: TestClient, who: Who) -> dict[str, Any]:
    return {g["name"]: g for g in get(client, who, "/security-groups")["security_groups"]}


def quota_used(client: TestClient, who: Who) -> tuple[int, int]:
    quota = get(client, who, f"/quotas/{who['project_id']}/details")["quota"]
    return quota["security_group"]["used"], quota["security_group_rule"]["used"]


def test_default_group_is_made_on_first_look(client: TestClient, member_a: Who) -> None:
    first = groups(client, member_a)
    assert list(first) == ["default"]
    default = first["default"]
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"])
             for r in default["security_group_rules"]}
    assert rules == {("egress", "IPv4", None), ("egress", "IPv6", None),
                     ("ingress", "IPv4", default["id"]), ("ingress", "IPv6", default["id"])}
    assert all(r["belongs_to_default_sg"] for r in default["security_group_rules"])
    assert groups(client, member_a)["default"]["id"] == default["id"]  # made once
    assert quota_used(client, member_a) == (1, 4)
    for change, status in ((client.delete, 409), (client.put, 409)):
        kwargs = {"json": {"security_group": {"name": "other"}}} if change == client.put else {}
        answer = change(f"{NET}/security-groups/{default['id']}", headers=auth(member_a),
                        **kwargs)
        assert answer.status_code == status, answer.text
    taken = client.post(f"{NET}/security-groups", headers=auth(member_a),
                        json={"security_group": {"name": "default"}})
    assert taken.status_code == 409 and "NeutronError" in taken.json()


def test_group_lifecycle_and_rules(client: TestClient, member_a: Who) -> None:
    group = create_group(client, member_a, description="web servers")
    assert group["stateful"] is True and group["description"] == "web servers"
    assert {(r["direction"], r["ethertype"]) for r in group["security_group_rules"]} == {
        ("egress", "IPv4"), ("egress", "IPv6")}
    rule = add_rule(client, member_a, group["id"], protocol="tcp", port_range_min=22,
                    port_range_max=22, remote_ip_prefix="10.1.2.3")["security_group_rule"]
    assert (rule["protocol"], rule["remote_ip_prefix"], rule["normalized_cidr"]) == (
        "tcp", "10.1.2.3/32", "10.1.2.3/32")
    assert get(client, member_a, f"/security-group-rules/{rule['id']}")[
        "security_group_rule"] == rule
    duplicate = add_rule(client, member_a, group["id"], 409, protocol="6", port_range_min=22,
                         port_range_max=22, remote_ip_prefix="10.1.2.3/32")
    assert rule["id"] in duplicate["NeutronError"]["message"]
    numbered = add_rule(client, member_a, group["id"], protocol=17)["security_group_rule"]
    assert numbered["protocol"] == "17"
    renamed = client.put(f"{NET}/security-groups/{group['id']}", headers=auth(member_a),
                         json={"security_group": {"name": "web2", "description": "d"}})
    assert renamed.status_code == 200 and renamed.json()["security_group"]["name"] == "web2"
    assert quota_used(client, member_a) == (2, 4 + 4)
    assert client.delete(f"{NET}/security-group-rules/{rule['id']}",
                         headers=auth(member_a)).status_code == 204
    assert client.get(f"{NET}/security-group-rules/{rule['id']}",
                      headers=auth(member_a)).status_code == 404
    assert client.delete(f"{NET}/security-groups/{group['id']}",
                         headers=auth(member_a)).status_code == 204
    assert list(groups(client, member_a)) == ["default"]
    assert quota_used(client, member_a) == (1, 4)
    rules = get(client, member_a, "/security-group-rules")["security_group_rules"]
    assert {r["security_group_id"] for r in rules} == {groups(client, member_a)["default"]["id"]}


BAD_RULES = [
    ({"protocol": "bad_protocol_name"}, "protocol bad_protocol_name not supported"),
    ({"protocol": "tcp", "remote_ip_prefix": "192.168.1.1/33"}, "Invalid CIDR"),
    ({"protocol": "tcp", "remote_ip_prefix": "256"}, "Invalid CIDR"),
    ({"ethertype": "bad"}, "ethertype 'bad' not supported"),
    ({"protocol": "tcp", "port_range_min": -16, "port_range_max": 80},
     "Invalid value for port -16"),
    ({"protocol": "tcp", "port_range_min": 80, "port_range_max": 79},
     "port_range_min must be <= port_range_max"),
    ({"protocol": "tcp", "port_range_max": 6}, "port_range_min must be <= port_range_max"),
    ({"protocol": "icmp", "port_range_min": 1, "port_range_max": 256},
     "Invalid value for ICMP code"),
    ({"protocol": "icmp", "port_range_max": 6}, "ICMP type (port-range-min) is missing"),
    ({"protocol": "gre", "port_range_min": 1, "port_range_max": 2},
     "Ports cannot be specified"),
    ({"port_range_min": 1, "port_range_max": 2}, "Must also specify protocol"),
    ({"ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"}, "Conflicting value ethertype"),
    ({"remote_ip_prefix": "10.0.0.0/8", "remote_group_id": "x"}, "Only one of"),
    ({"direction": "sideways"}, "Invalid input for direction"),
]


@pytest.mark.parametrize(("rule", "words"), BAD_RULES)
def test_bad_rules_are_refused(client: TestClient, member_a: Who, rule: dict[str, Any],
                               words: str) -> None:
    group = create_group(client, member_a)
    before = quota_used(client, member_a)
    refused = add_rule(client, member_a, group["id"], 400, **rule)
    assert words in refused["NeutronError"]["message"]
    assert quota_used(client, member_a) == before


def test_ipv6_icmp_and_missing_things(client: TestClient, member_a: Who) -> None:
    group = create_group(client, member_a)
    rule = add_rule(client, member_a, group["id"], ethertype="IPv6",
                    protocol="icmp")["security_group_rule"]
    assert rule["protocol"] == "ipv6-icmp"
    whole = add_rule(client, member_a, group["id"], protocol="tcp", port_range_min=1,
                     port_range_max=65535)["security_group_rule"]
    assert (whole["port_range_min"], whole["port_range_max"]) == (None, None)
    add_rule(client, member_a, group["id"], 404, protocol="tcp", remote_group_id="bad")
    add_rule(client, member_a, "8c1f1d5e-0000-4000-8000-000000000000", 404)
    for path in ("security-groups", "security-group-rules"):
        missing = client.get(f"{NET}/{path}/8c1f1d5e-0000-4000-8000-000000000000",
                             headers=auth(member_a))
        assert missing.status_code == 404


def test_deleting_a_remote_group_deletes_the_rules_naming_it(client: TestClient,
                                                             member_a: Who) -> None:
    web, db = create_group(client, member_a, "web"), create_group(client, member_a, "db")
    rule = add_rule(client, member_a, db["id"], protocol="tcp", port_range_min=5432,
                    port_range_max=5432, remote_group_id=web["id"])["security_group_rule"]
    assert rule["remote_group_id"] == web["id"]
    used = quota_used(client, member_a)
    assert client.delete(f"{NET}/security-groups/{web['id']}",
                         headers=auth(member_a)).status_code == 204
    left = groups(client, member_a)["db"]["security_group_rules"]
    assert rule["id"] not in [r["id"] for r in left] and len(left) == 2
    assert quota_used(client, member_a) == (used[0] - 1, used[1] - 3)


def test_quota_is_claimed_with_the_group(client: TestClient, admin: Who,
                                         member_a: Who) -> None:
    project = member_a["project_id"]
    groups(client, member_a)  # the default group: 1 group, 4 rules
    limited = client.put(f"{NET}/quotas/{project}", headers=admin,
                         json={"quota": {"security_group": 2, "security_group_rule": 7}})
    assert limited.status_code == 200, limited.text
    assert limited.json()["quota"]["security_group"] == 2
    group = create_group(client, member_a)  # 2 groups, 6 rules
    over = client.post(f"{NET}/security-groups", headers=auth(member_a),
                       json={"security_group": {"name": "third"}})
    assert over.status_code == 409 and "security_group" in over.text
    add_rule(client, member_a, group["id"], protocol="tcp")
    over_rule = add_rule(client, member_a, group["id"], 409, protocol="udp")
    assert "security_group_rule" in over_rule["NeutronError"]["message"]
    assert quota_used(client, member_a) == (2, 7)


def test_ports_join_groups(client: TestClient, member_a: Who, member_b: Who) -> None:
    net = create_network(client, member_a)
    response = client.post(f"{NET}/ports", headers=auth(member_a),
                           json={"port": {"network_id": net["id"]}})
    assert response.status_code == 201, response.text
    port = response.json()["port"]
    default = groups(client, member_a)["default"]
    assert port["security_groups"] == [default["id"]] and port["port_security_enabled"]
    web = create_group(client, member_a)
    moved = client.put(f"{NET}/ports/{port['id']}", headers=auth(member_a),
                       json={"port": {"security_groups": [web["id"]]}})
    assert moved.status_code == 200 and moved.json()["port"]["security_groups"] == [web["id"]]
    in_use = client.delete(f"{NET}/security-groups/{web['id']}", headers=auth(member_a))
    assert in_use.status_code == 409, in_use.text
    foreign = create_group(client, member_b)
    refused = client.put(f"{NET}/ports/{port['id']}", headers=auth(member_a),
                         json={"port": {"security_groups": [foreign["id"]]}})
    assert refused.status_code == 404
    insecure = client.put(f"{NET}/ports/{port['id']}", headers=auth(member_a),
                          json={"port": {"port_security_enabled": False}})
    assert insecure.status_code == 400
    cleared = client.put(f"{NET}/ports/{port['id']}", headers=auth(member_a),
                         json={"port": {"security_groups": [], "port_security_enabled": False}})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["port"]["security_groups"] == []
    assert client.delete(f"{NET}/security-groups/{web['id']}",
                         headers=auth(member_a)).status_code == 204


def test_projects_do_not_see_each_other(client: TestClient, member_a: Who,
                                        member_b: Who) -> None:
    mine = create_group(client, member_a)
    assert "web" not in groups(client, member_b)
    for method in ("GET", "DELETE"):
        answer = client.request(method, f"{NET}/security-groups/{mine['id']}",
                                headers=auth(member_b))
        assert answer.status_code == 404
    add_rule(client, member_b, mine["id"], 404)
    theirs = create_group(client, member_b)
    add_rule(client, member_a, mine["id"], 404, protocol="tcp", remote_group_id=theirs["id"])


def test_racing_first_uses_and_creates_stay_within_quota(client: TestClient, admin: Who,
                                                         member_a: Who) -> None:
    """Concurrent first looks make one default group; concurrent creates and rules never pass
    the limits, however they race (each claim is saved with its group)."""
    first = fire_together(range(6), 6, lambda _, call: str(client.get(
        f"{NET}/security-groups", headers=auth(member_a)).status_code))
    assert first == Counter({"200": 6}), first
    assert quota_used(client, member_a) == (1, 4)
    client.put(f"{NET}/quotas/{member_a['project_id']}", headers=admin,
               json={"quota": {"security_group": 4, "security_group_rule": 100}})

    def create(_: int, call: int) -> str:
        return str(client.post(f"{NET}/security-groups", headers=auth(member_a),
                               json={"security_group": {"name": f"g{call}"}}).status_code)

    outcomes = fire_together(range(8), 12, create)
    assert outcomes == Counter({"201": 3, "409": 9}), outcomes
    assert len(groups(client, member_a)) == 4 and quota_used(client, member_a) == (4, 10)
    target = next(g for name, g in groups(client, member_a).items() if name != "default")

    def rule(_: int, call: int) -> str:  # two calls for each port: one wins, one duplicates
        response = client.post(f"{NET}/security-group-rules", headers=auth(member_a), json={
            "security_group_rule": {"security_group_id": target["id"], "direction": "ingress",
                                    "protocol": "tcp", "port_range_min": 1000 + call // 2,
                                    "port_range_max": 1000 + call // 2}})
        return str(response.status_code)

    outcomes = fire_together(range(8), 16, rule)
    assert outcomes == Counter({"201": 8, "409": 8}), outcomes
    assert quota_used(client, member_a) == (4, 18)
