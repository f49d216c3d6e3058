"""`/os-server-groups` and booting into them: hard anti-affinity spreads members over hosts."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import Compute, auth

GROUPS = "/compute/v2.1/os-server-groups"


def create_group(compute: Compute, who: dict[str, str], policy: str = "anti-affinity",
                 version: str | None = None) -> Any:
    body = {"server_group": {"name": "spread", "policies": [policy]}}
    response = compute.client.post(GROUPS, json=body, headers=auth(who, version))
    assert response.status_code == 200, response.text
    return response.json()["server_group"]


def test_create_show_list_delete(compute: Compute, member_a: dict[str, str],
                                 member_b: dict[str, str], admin: dict[str, str]) -> None:
    group = create_group(compute, member_a)
    assert group["policies"] == ["anti-affinity"] and group["members"] == []
    assert group["metadata"] == {} and "project_id" not in group
    newer = compute.client.get(f"{GROUPS}/{group['id']}", headers=auth(member_a, "2.13"))
    assert newer.json()["server_group"]["project_id"] == member_a["project_id"]
    listed = compute.client.get(GROUPS, headers=auth(member_a)).json()["server_groups"]
    assert [g["id"] for g in listed] == [group["id"]]
    assert compute.client.get(GROUPS, headers=auth(member_b)).json()["server_groups"] == []
    assert compute.client.get(f"{GROUPS}/{group['id']}", headers=auth(member_b)).status_code == 404
    assert compute.client.get(f"{GROUPS}?all_projects=True",
                              headers=auth(member_b)).status_code == 403
    everyone = compute.client.get(f"{GROUPS}?all_projects=True", headers=admin).json()
    assert [g["id"] for g in everyone["server_groups"]] == [group["id"]]
    url = f"{GROUPS}/{group['id']}"
    assert compute.client.delete(url, headers=auth(member_b)).status_code == 404
    assert compute.client.delete(url, headers=auth(member_a)).status_code == 204
    assert compute.client.get(f"{GROUPS}/{group['id']}", headers=auth(member_a)).status_code == 404


def test_policies_follow_the_microversion(compute: Compute, member_a: dict[str, str]) -> None:
    soft = {"server_group": {"name": "g", "policies": ["soft-anti-affinity"]}}
    assert compute.client.post(GROUPS, json=soft, headers=auth(member_a)).status_code == 400
    assert create_group(compute, member_a, "soft-affinity", "2.15")["policies"] == ["soft-affinity"]
    for bad in ({"name": "g"}, {"name": "g", "policies": ["anti-affinity", "affinity"]},
                {"name": "g", "policies": ["sideways"]}, {"name": "g", "policy": "affinity"},
                {"name": "", "policies": ["affinity"]},
                {"name": "g", "policies": ["affinity"], "colour": "red"}):
        response = compute.client.post(GROUPS, json={"server_group": bad}, headers=auth(member_a))
        assert response.status_code == 400, bad


def test_hard_anti_affinity_spreads_then_no_valid_host(compute: Compute,
                                                       member_a: dict[str, str]) -> None:
    group = create_group(compute, member_a)
    hints = {"group": group["id"]}
    first, second = (compute.booted(member_a, name=n, hints=hints) for n in ("a", "b"))
    assert {compute.instance(first).host, compute.instance(second).host} == {"host-1", "host-2"}
    third = compute.booted(member_a, name="c", hints=hints)
    server = compute.show(member_a, third)
    assert server["status"] == "ERROR" and "No valid host" in server["fault"]["message"]
    members = compute.client.get(f"{GROUPS}/{group['id']}", headers=auth(member_a))
    assert sorted(members.json()["server_group"]["members"]) == sorted([first, second, third])
    compute.client.delete(f"/compute/v2.1/servers/{third}", headers=auth(member_a))
    members = compute.client.get(f"{GROUPS}/{group['id']}", headers=auth(member_a))
    assert third not in members.json()["server_group"]["members"]


def test_affinity_keeps_members_together(compute: Compute, member_a: dict[str, str]) -> None:
    group = create_group(compute, member_a, "affinity")
    ids = [compute.booted(member_a, hints={"group": group["id"]}) for _ in range(3)]
    assert len({compute.instance(i).host for i in ids}) == 1


def test_same_and_different_host_hints(compute: Compute, member_a: dict[str, str]) -> None:
    first = compute.booted(member_a)
    near = compute.booted(member_a, hints={"same_host": first})
    far = compute.booted(member_a, hints={"different_host": [first]})
    assert compute.instance(near).host == compute.instance(first).host
    assert compute.instance(far).host != compute.instance(first).host


def test_one_policy_and_rules_from_2_64(compute: Compute, member_a: dict[str, str]) -> None:
    body = {"server_group": {"name": "g", "policy": "anti-affinity",
                             "rules": {"max_server_per_host": 2}}}
    made = compute.client.post(GROUPS, json=body, headers=auth(member_a, "2.64"))
    assert made.status_code == 200, made.text
    group = made.json()["server_group"]
    assert (group["policy"], group["rules"]) == ("anti-affinity", {"max_server_per_host": 2})
    assert "policies" not in group and "metadata" not in group
    old = compute.client.get(f"{GROUPS}/{group['id']}", headers=auth(member_a, "2.63"))
    assert old.json()["server_group"]["policies"] == ["anti-affinity"]
    assert "rules" not in old.json()["server_group"]
    for bad in ({"name": "g", "policies": ["affinity"]},
                {"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}):
        response = compute.client.post(GROUPS, json={"server_group": bad},
                                       headers=auth(member_a, "2.64"))
        assert response.status_code == 400, bad


def test_a_server_names_its_group_from_2_71(compute: Compute, member_a: dict[str, str]) -> None:
    group = create_group(compute, member_a)
    member = compute.active(member_a, hints={"group": group["id"]})
    alone = compute.active(member_a)
    servers = "/compute/v2.1/servers"
    assert compute.show(member_a, member, "2.71")["server_groups"] == [group["id"]]
    assert compute.show(member_a, alone, "2.71")["server_groups"] == []
    assert "server_groups" not in compute.show(member_a, member, "2.70")
    put = compute.client.put(f"{servers}/{member}", json={"server": {"name": "renamed"}},
                             headers=auth(member_a, "2.71"))
    assert put.json()["server"]["server_groups"] == [group["id"]]
    rebuilt = compute.action(member_a, member, {"rebuild": {"imageRef": compute.image}}, "2.71")
    assert rebuilt.status_code == 202 and rebuilt.json()["server"]["server_groups"] == [
        group["id"]]
    detail = compute.client.get(f"{servers}/detail", headers=auth(member_a, "2.71")).json()
    assert all("server_groups" not in s for s in detail["servers"]), "not in the list (Nova)"
    compute.client.delete(f"{GROUPS}/{group['id']}", headers=auth(member_a))
    compute.succeeded(member, "rebuild")
    assert compute.show(member_a, member, "2.71")["server_groups"] == []
