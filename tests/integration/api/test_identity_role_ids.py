"""Role ids independent of names: a renamed role keeps its grants; names are unique per domain;
domain-specific roles are granted but never in tokens or effective assignments, only the global
roles they imply; a global role implies no domain-specific one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud
from tests.support.identity import password_token

V3 = "/identity/v3"


def post(client: TestClient, admin: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    response = client.post(f"{V3}/{path}", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def token_roles(client: TestClient, ids: dict[str, str]) -> list[str]:
    token = password_token(client, ids["name"], ids["password"], ids["project_name"])
    shown = client.get(f"{V3}/auth/tokens", headers={"X-Auth-Token": token,
                                                      "X-Subject-Token": token})
    return sorted(r["name"] for r in shown.json()["token"]["roles"])


def grant(client: TestClient, admin: dict[str, str], ids: dict[str, str], role: str) -> None:
    url = f"{V3}/projects/{ids['project_id']}/users/{ids['user_id']}/roles/{role}"
    assert client.put(url, headers=admin).status_code == 204


def member(member_a: dict[str, str]) -> dict[str, str]:
    return {**member_a, "name": "alice", "project_name": "project-a"}


def test_a_renamed_role_keeps_its_grants_and_frees_its_name(
        client: TestClient, admin: dict[str, str], member_a: dict[str, str],
        cloud: Cloud) -> None:
    role = post(client, admin, "roles", {"role": {"name": "auditor"}})["role"]
    assert role["id"] != role_id("auditor").hex  # ids no longer follow names
    grant(client, admin, member_a, role["id"])
    post(client, admin, "roles", {"role": {"name": "taken"}})
    url = f"{V3}/roles/{role['id']}"
    head = cloud.app.head()
    for bad, status in (({"name": "taken"}, 409), ({"name": "member"}, 409),
                        ({"domain_id": "default"}, 400), ({"id": "x"}, 400), ({}, 400)):
        response = client.patch(url, json={"role": bad}, headers=admin)
        assert response.status_code == status, (bad, response.text)
    builtin = client.patch(f"{V3}/roles/{role_id('member').hex}",
                           json={"role": {"name": "staff"}}, headers=admin)
    assert builtin.status_code == 403
    assert cloud.app.head() == head
    renamed = client.patch(url, json={"role": {"name": "inspector", "description": "d"}},
                           headers=admin)
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["role"]["id"], renamed.json()["role"]["name"]) == (
        role["id"], "inspector")
    assert client.get(url, headers=admin).json()["role"]["name"] == "inspector"
    held = client.get(f"{V3}/projects/{member_a['project_id']}/users/{member_a['user_id']}"
                      "/roles", headers=admin).json()["roles"]
    assert sorted(r["name"] for r in held) == ["inspector", "member"]
    assert "inspector" in token_roles(client, member(member_a))
    again = post(client, admin, "roles", {"role": {"name": "auditor"}})["role"]
    assert again["id"] not in (role["id"], role_id("auditor").hex)
    names = [r["name"] for r in client.get(f"{V3}/roles", headers=admin).json()["roles"]]
    assert names == ["admin", "auditor", "inspector", "member", "reader", "taken"]


def test_domain_specific_roles(client: TestClient, admin: dict[str, str],
                               member_a: dict[str, str], cloud: Cloud) -> None:
    domain = post(client, admin, "domains", {"domain": {"name": "d1"}})["domain"]
    other = post(client, admin, "domains", {"domain": {"name": "d2"}})["domain"]
    dr = post(client, admin, "roles", {"role": {"name": "dr", "domain_id": domain["id"]}})["role"]
    assert dr["domain_id"] == domain["id"]
    listed = client.get(f"{V3}/roles?domain_id={domain['id']}", headers=admin).json()["roles"]
    assert listed == [dr]
    assert "dr" not in [r["name"] for r in client.get(f"{V3}/roles", headers=admin
                                                      ).json()["roles"]]
    same_name = post(client, admin, "roles", {"role": {"name": "dr"}})["role"]  # global
    elsewhere = post(client, admin, "roles", {"role": {"name": "dr", "domain_id": other["id"]}})
    assert client.post(f"{V3}/roles", json={"role": {"name": "dr", "domain_id": domain["id"]}},
                       headers=admin).status_code == 409
    viewer = post(client, admin, "roles", {"role": {"name": "viewer"}})["role"]
    imply = f"{V3}/roles/{dr['id']}/implies"
    assert client.put(f"{imply}/{viewer['id']}", headers=admin).status_code == 201
    assert client.put(f"{imply}/{elsewhere['role']['id']}", headers=admin).status_code == 201
    head = cloud.app.head()
    assert client.put(f"{V3}/roles/{viewer['id']}/implies/{dr['id']}",
                      headers=admin).status_code == 403
    assert cloud.app.head() == head
    grant(client, admin, member_a, dr["id"])
    # In tokens and effective assignments only the global role it implies shows.
    assert token_roles(client, member(member_a)) == ["member", "reader", "viewer"]
    effective = client.get(f"{V3}/role_assignments?effective&user.id={member_a['user_id']}"
                           f"&scope.project.id={member_a['project_id']}", headers=admin).json()
    assert sorted(a["role"]["id"] for a in effective["role_assignments"]) == sorted(
        [role_id("member").hex, role_id("reader").hex, viewer["id"]])
    direct = client.get(f"{V3}/role_assignments?user.id={member_a['user_id']}",
                        headers=admin).json()["role_assignments"]
    assert dr["id"] in {a["role"]["id"] for a in direct}
    assert same_name["id"] not in {a["role"]["id"] for a in direct}
    assert client.delete(f"{V3}/roles/{dr['id']}", headers=admin).status_code == 204
    assert client.get(f"{V3}/roles?domain_id={domain['id']}", headers=admin
                      ).json()["roles"] == []
    assert token_roles(client, member(member_a)) == ["member", "reader"]
