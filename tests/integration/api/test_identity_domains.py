"""Domains and groups through the API: CRUD, delete only when disabled, cascade, membership,
group roles that reach the members' tokens."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud

V3 = "/identity/v3"
MEMBER = role_id("member").hex


def created(client: TestClient, admin: dict[str, str], kind: str, body: dict[str, Any]) -> Any:
    response = client.post(f"{V3}/{kind}s", json={kind: body}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()[kind]


def test_domain_lifecycle(client: TestClient, admin: dict[str, str], cloud: Cloud) -> None:
    domain = created(client, admin, "domain", {"name": "acme", "description": "d"})
    assert (domain["name"], domain["description"], domain["enabled"]) == ("acme", "d", True)
    url = f"{V3}/domains/{domain['id']}"
    assert client.get(url, headers=admin).json() == {"domain": domain}
    names = [d["name"] for d in client.get(f"{V3}/domains", headers=admin).json()["domains"]]
    assert names == ["Default", "acme"]
    assert client.post(f"{V3}/domains", json={"domain": {"name": "acme"}},
                       headers=admin).status_code == 409
    head = cloud.app.head()
    assert client.delete(url, headers=admin).status_code == 403  # enabled
    assert client.post(f"{V3}/domains", json={"domain": {"name": ""}},
                       headers=admin).status_code == 400
    assert client.post(f"{V3}/domains", json={"domain": {"name": "x" * 65}},
                       headers=admin).status_code == 400
    assert cloud.app.head() == head
    patched = client.patch(url, json={"domain": {"enabled": False, "name": "acme2"}},
                           headers=admin).json()["domain"]
    assert (patched["enabled"], patched["name"]) == (False, "acme2")
    enabled = client.get(f"{V3}/domains?enabled=true", headers=admin).json()["domains"]
    assert [d["name"] for d in enabled] == ["Default"]
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    assert client.delete(url, headers=admin).status_code == 404
    assert client.delete(f"{V3}/domains/default", headers=admin).status_code == 403


def test_users_of_a_domain_log_in_by_domain_name_and_go_with_it(
        client: TestClient, admin: dict[str, str]) -> None:
    domain = created(client, admin, "domain", {"name": "acme"})
    project = created(client, admin, "project", {"name": "p", "domain_id": domain["id"]})
    user = created(client, admin, "user", {"name": "u", "password": "pw-u",
                                           "domain_id": domain["id"]})
    group = created(client, admin, "group", {"name": "g", "domain_id": domain["id"]})
    assert group["domain_id"] == domain["id"]
    # The user gets a role on the project through the group only.
    assert client.put(f"{V3}/groups/{group['id']}/users/{user['id']}",
                      headers=admin).status_code == 204
    assert client.put(f"{V3}/projects/{project['id']}/groups/{group['id']}/roles/{MEMBER}",
                      headers=admin).status_code == 204
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": "u", "domain": {"name": "acme"}, "password": "pw-u"}}},
        "scope": {"project": {"name": "p", "domain": {"id": domain["id"]}}}}
    issued = client.post(f"{V3}/auth/tokens", json={"auth": auth})
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert token["user"]["domain"] == {"id": domain["id"], "name": "acme"}
    assert [r["name"] for r in token["roles"]] == ["member", "reader"]
    listed = client.get(f"{V3}/role_assignments?group.id={group['id']}",
                        headers=admin).json()["role_assignments"]
    assert [(a["group"]["id"], a["scope"]["project"]["id"]) for a in listed] == \
        [(group["id"], project["id"])]
    assert [g["id"] for g in client.get(f"{V3}/users/{user['id']}/groups",
                                        headers=admin).json()["groups"]] == [group["id"]]
    # Deleting the disabled domain takes its project, user and group along.
    url = f"{V3}/domains/{domain['id']}"
    assert client.patch(url, json={"domain": {"enabled": False}}, headers=admin).status_code == 200
    assert client.post(f"{V3}/auth/tokens", json={"auth": auth}).status_code == 401
    assert client.delete(url, headers=admin).status_code == 204
    for gone in (f"projects/{project['id']}", f"users/{user['id']}", f"groups/{group['id']}"):
        assert client.get(f"{V3}/{gone}", headers=admin).status_code == 404, gone


def test_group_membership(client: TestClient, admin: dict[str, str],
                          member_a: dict[str, str]) -> None:
    group = created(client, admin, "group", {"name": "readers", "description": "r"})
    url = f"{V3}/groups/{group['id']}/users/{member_a['user_id']}"
    assert client.head(url, headers=admin).status_code == 404
    assert client.put(url, headers=admin).status_code == 204
    assert client.head(url, headers=admin).status_code == 204
    users = client.get(f"{V3}/groups/{group['id']}/users", headers=admin).json()["users"]
    assert [u["id"] for u in users] == [member_a["user_id"]]
    renamed = client.patch(f"{V3}/groups/{group['id']}", json={"group": {"name": "r2"}},
                           headers=admin).json()["group"]
    assert (renamed["name"], renamed["description"]) == ("r2", "r")
    assert client.delete(url, headers=admin).status_code == 204
    assert client.delete(url, headers=admin).status_code == 404
    assert client.delete(f"{V3}/groups/{group['id']}", headers=admin).status_code == 204
    assert client.get(f"{V3}/groups/{group['id']}", headers=admin).status_code == 404


def test_roles_on_a_domain(client: TestClient, admin: dict[str, str],
                           member_a: dict[str, str]) -> None:
    domain = created(client, admin, "domain", {"name": "acme"})
    group = created(client, admin, "group", {"name": "g"})
    user_url = f"{V3}/domains/{domain['id']}/users/{member_a['user_id']}/roles"
    group_url = f"{V3}/domains/{domain['id']}/groups/{group['id']}/roles"
    for url in (user_url, group_url):
        assert client.head(f"{url}/{MEMBER}", headers=admin).status_code == 404
        assert client.put(f"{url}/{MEMBER}", headers=admin).status_code == 204
        assert client.head(f"{url}/{MEMBER}", headers=admin).status_code == 204
        assert [r["id"] for r in client.get(url, headers=admin).json()["roles"]] == [MEMBER]
    listed = client.get(f"{V3}/role_assignments?scope.domain.id={domain['id']}",
                        headers=admin).json()["role_assignments"]
    assert sorted((("user" in a), a["scope"]["domain"]["id"]) for a in listed) == \
        [(False, domain["id"]), (True, domain["id"])]
    mine = client.get(f"{V3}/auth/domains", headers={"X-Auth-Token": member_a["token"]})
    assert [d["id"] for d in mine.json()["domains"]] == [domain["id"]]
    # The project token of the user is not widened by a role on a domain.
    token = client.get(f"{V3}/auth/tokens", headers={**admin, "X-Subject-Token":
                                                    member_a["token"]}).json()["token"]
    assert [r["name"] for r in token["roles"]] == ["member", "reader"]
    for url in (user_url, group_url):
        assert client.delete(f"{url}/{MEMBER}", headers=admin).status_code == 204
        assert client.delete(f"{url}/{MEMBER}", headers=admin).status_code == 404
    missing = f"{V3}/domains/{'0' * 32}/users/{member_a['user_id']}/roles/{MEMBER}"
    assert client.put(missing, headers=admin).status_code == 404


def test_effective_assignments_include_those_through_groups(
        client: TestClient, admin: dict[str, str], member_a: dict[str, str]) -> None:
    group = created(client, admin, "group", {"name": "g"})
    assert client.put(f"{V3}/groups/{group['id']}/users/{member_a['user_id']}",
                      headers=admin).status_code == 204
    grant = f"{V3}/system/groups/{group['id']}/roles/{MEMBER}"
    assert client.put(grant, headers=admin).status_code == 204
    listed = client.get(f"{V3}/role_assignments?effective&scope.system=all"
                        f"&user.id={member_a['user_id']}", headers=admin).json()
    rows = listed["role_assignments"]
    assert [(a["role"]["id"] == MEMBER, a["scope"]) for a in rows] == \
        [(True, {"system": {"all": True}}), (False, {"system": {"all": True}})]
    assert rows[0]["links"]["membership"].endswith(
        f"/groups/{group['id']}/users/{member_a['user_id']}")
