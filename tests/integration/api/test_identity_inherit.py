"""OS-INHERIT through the API: roles given on a domain or a project "inherited to projects"
hold on the projects below (in tokens and in `role_assignments?effective`), never on the
domain or project itself, and go away when revoked."""

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


def tree(client: TestClient, admin: dict[str, str]) -> tuple[Any, Any, Any, Any]:
    domain = created(client, admin, "domain", {"name": "acme"})
    top = created(client, admin, "project", {"name": "top", "domain_id": domain["id"]})
    leaf = created(client, admin, "project", {"name": "leaf", "domain_id": domain["id"],
                                              "parent_id": top["id"]})
    user = created(client, admin, "user", {"name": "u", "password": "pw-u",
                                           "domain_id": domain["id"]})
    return domain, top, leaf, user


def effective(client: TestClient, admin: dict[str, str], user_id: str,
              project_id: str) -> list[tuple[str, str]]:
    listed = client.get(f"{V3}/role_assignments?effective&user.id={user_id}"
                        f"&scope.project.id={project_id}", headers=admin)
    assert listed.status_code == 200, listed.text
    return [(a["scope"]["project"]["id"], a["role"]["id"])
            for a in listed.json()["role_assignments"]]


def token_roles(client: TestClient, domain_id: str, project: str) -> list[str] | int:
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": "u", "domain": {"id": domain_id}, "password": "pw-u"}}},
        "scope": {"project": {"name": project, "domain": {"id": domain_id}}}}
    issued = client.post(f"{V3}/auth/tokens", json={"auth": auth})
    if issued.status_code != 201:
        return issued.status_code
    return [r["name"] for r in issued.json()["token"]["roles"]]


def test_role_inherited_from_a_domain_holds_on_its_projects(
        client: TestClient, admin: dict[str, str], cloud: Cloud) -> None:
    domain, top, leaf, user = tree(client, admin)
    url = (f"{V3}/OS-INHERIT/domains/{domain['id']}/users/{user['id']}/roles/{MEMBER}"
           "/inherited_to_projects")
    assert client.head(url, headers=admin).status_code == 404
    assert client.put(url, headers=admin).status_code == 204
    assert client.head(url, headers=admin).status_code == 204
    listed = client.get(f"{V3}/OS-INHERIT/domains/{domain['id']}/users/{user['id']}/roles"
                        "/inherited_to_projects", headers=admin).json()["roles"]
    assert [r["id"] for r in listed] == [MEMBER]
    # Not a role on the domain itself.
    assert client.get(f"{V3}/domains/{domain['id']}/users/{user['id']}/roles",
                      headers=admin).json()["roles"] == []
    for project in (top, leaf):
        assert (project["id"], MEMBER) in effective(client, admin, user["id"], project["id"])
        assert token_roles(client, domain["id"], project["name"]) == ["member", "reader"]
    shown = client.get(f"{V3}/role_assignments?user.id={user['id']}",
                       headers=admin).json()["role_assignments"]
    assert [a["scope"] for a in shown] == [
        {"domain": {"id": domain["id"]}, "OS-INHERIT:inherited_to": "projects"}]
    assert client.delete(url, headers=admin).status_code == 204
    assert client.delete(url, headers=admin).status_code == 404
    for project in (top, leaf):
        assert effective(client, admin, user["id"], project["id"]) == []
        assert token_roles(client, domain["id"], project["name"]) == 401


def test_role_inherited_from_a_project_holds_below_it_only(
        client: TestClient, admin: dict[str, str]) -> None:
    domain, top, leaf, user = tree(client, admin)
    url = (f"{V3}/OS-INHERIT/projects/{top['id']}/users/{user['id']}/roles/{MEMBER}"
           "/inherited_to_projects")
    assert client.put(url, headers=admin).status_code == 204
    assert client.head(url, headers=admin).status_code == 204
    assert effective(client, admin, user["id"], top["id"]) == []
    assert (leaf["id"], MEMBER) in effective(client, admin, user["id"], leaf["id"])
    assert client.delete(url, headers=admin).status_code == 204
    assert effective(client, admin, user["id"], leaf["id"]) == []


def test_group_inherits_to_its_members(client: TestClient, admin: dict[str, str]) -> None:
    domain, top, leaf, user = tree(client, admin)
    group = created(client, admin, "group", {"name": "g", "domain_id": domain["id"]})
    assert client.put(f"{V3}/groups/{group['id']}/users/{user['id']}",
                      headers=admin).status_code == 204
    url = (f"{V3}/OS-INHERIT/domains/{domain['id']}/groups/{group['id']}/roles/{MEMBER}"
           "/inherited_to_projects")
    assert client.put(url, headers=admin).status_code == 204
    assert client.head(url, headers=admin).status_code == 204
    assert token_roles(client, domain["id"], "leaf") == ["member", "reader"]
    assert (leaf["id"], MEMBER) in effective(client, admin, user["id"], leaf["id"])
    assert client.delete(url, headers=admin).status_code == 204
    assert token_roles(client, domain["id"], "leaf") == 401


def test_bad_targets_are_404_and_change_nothing(
        client: TestClient, admin: dict[str, str], cloud: Cloud) -> None:
    domain, top, leaf, user = tree(client, admin)
    head = cloud.app.head()
    for url in (f"{V3}/OS-INHERIT/domains/nope/users/{user['id']}/roles/{MEMBER}",
                f"{V3}/OS-INHERIT/projects/{top['id']}/users/nope/roles/{MEMBER}",
                f"{V3}/OS-INHERIT/projects/{top['id']}/users/{user['id']}/roles/nope"):
        assert client.put(url + "/inherited_to_projects", headers=admin).status_code == 404
    assert client.put(f"{V3}/OS-INHERIT/systems/x/users/{user['id']}/roles/{MEMBER}"
                      "/inherited_to_projects", headers=admin).status_code in (404, 422, 400)
    assert cloud.app.head() == head
