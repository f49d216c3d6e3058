"""Who may do what on the identity routes: project isolation and a reader/member/admin matrix."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud
from tests.support.identity import make_member, password_token

V3 = "/identity/v3"
ROLE_IDS = {"admin_role": role_id("admin").hex, "member_role": role_id("member").hex}


def token(ids: dict[str, str]) -> dict[str, str]:
    return {"X-Auth-Token": ids["token"]}


def test_member_of_a_cannot_reach_project_b_or_grant_themselves_roles(
    client: TestClient, cloud: Cloud, member_a: dict[str, str], member_b: dict[str, str],
) -> None:
    alice, a, b = token(member_a), member_a["project_id"], member_b["project_id"]
    head = cloud.app.head()
    refused = [
        client.get(f"{V3}/projects/{b}", headers=alice),
        client.get(f"{V3}/projects/{'0' * 32}", headers=alice),  # no hint which ids exist
        client.patch(f"{V3}/projects/{b}", json={"project": {"name": "mine"}}, headers=alice),
        client.delete(f"{V3}/projects/{b}", headers=alice),
        client.get(f"{V3}/users/{member_b['user_id']}", headers=alice),
        client.get(f"{V3}/users/{member_b['user_id']}/projects", headers=alice),
        client.patch(f"{V3}/users/{member_b['user_id']}", json={"user": {"enabled": False}},
                     headers=alice),
        client.get(f"{V3}/users?name=bob", headers=alice),
        client.get(f"{V3}/role_assignments?scope.project.id={b}", headers=alice),
        client.put(f"{V3}/projects/{a}/users/{member_a['user_id']}/roles/{role_id('admin').hex}",
                   headers=alice),
        client.put(f"{V3}/projects/{b}/users/{member_a['user_id']}/roles/{role_id('member').hex}",
                   headers=alice),
        client.post(f"{V3}/roles", json={"role": {"name": "superuser"}}, headers=alice),
    ]
    for response in refused:
        assert response.status_code == 403, (response.request.url, response.text)
        assert response.json()["error"]["title"] == "Forbidden"
    stolen = client.post(f"{V3}/users/{member_b['user_id']}/password",
                         json={"user": {"original_password": "guess", "password": "mine"}})
    assert stolen.status_code == 401
    assert cloud.app.head() == head
    # Still only project A for alice, and bob is untouched.
    own = client.get(f"{V3}/auth/projects", headers=alice).json()["projects"]
    assert [p["id"] for p in own] == [a]
    assert password_token(client, "bob", member_b["password"], "project-b")


# (method, path, body, expected status for reader, member, admin). Destructive rows come last.
MATRIX: list[tuple[str, str, Any, int, int, int]] = [
    ("GET", "/projects", None, 403, 403, 200),
    ("POST", "/projects", {"project": {"name": "new-{who}"}}, 403, 403, 201),
    ("GET", "/projects/{own_project}", None, 200, 200, 200),
    ("GET", "/projects/{other_project}", None, 403, 403, 200),
    ("PATCH", "/projects/{other_project}", {"project": {"description": "x"}}, 403, 403, 200),
    ("GET", "/users", None, 403, 403, 200),
    ("POST", "/users", {"user": {"name": "new-{who}"}}, 403, 403, 201),
    ("GET", "/users/{own_user}", None, 200, 200, 200),
    ("GET", "/users/{other_user}", None, 403, 403, 200),
    ("PATCH", "/users/{own_user}", {"user": {"description": "x"}}, 403, 403, 200),
    ("GET", "/users/{own_user}/projects", None, 200, 200, 200),
    ("GET", "/users/{other_user}/projects", None, 403, 403, 200),
    ("GET", "/auth/projects", None, 200, 200, 200),
    ("GET", "/domains", None, 403, 403, 200),
    ("GET", "/domains/default", None, 200, 200, 200),
    ("GET", "/roles", None, 403, 403, 200),
    ("GET", "/roles/{member_role}", None, 403, 403, 200),
    ("GET", "/roles/{admin_role}/implies", None, 403, 403, 200),
    ("POST", "/roles", {"role": {"name": "new-{who}"}}, 403, 403, 201),
    ("GET", "/role_assignments", None, 403, 403, 200),
    ("GET", "/projects/{own_project}/users/{own_user}/roles", None, 403, 403, 200),
    ("PUT", "/projects/{own_project}/users/{own_user}/roles/{admin_role}", None, 403, 403, 204),
    ("HEAD", "/projects/{own_project}/users/{own_user}/roles/{admin_role}", None, 403, 403, 204),
    ("DELETE", "/projects/{other_project}/users/{other_user}/roles/{member_role}", None,
     403, 403, 204),
    ("DELETE", "/users/{other_user}", None, 403, 403, 204),
    ("DELETE", "/projects/{other_project}", None, 403, 403, 204),
]
COLUMN = {"reader": 3, "member": 4, "admin": 5}


def caller_ids(who: str, client: TestClient, cloud: Cloud, admin: dict[str, str],
               member_a: dict[str, str]) -> tuple[dict[str, str], str, str]:
    """Headers, user id and project id of the caller playing `who`."""
    if who == "member":
        return token(member_a), member_a["user_id"], member_a["project_id"]
    if who == "reader":
        ids = make_member(cloud, "project-r", "rita", role="reader")
        headers = {"X-Auth-Token": password_token(client, "rita", ids["password"], "project-r")}
        return headers, ids["user_id"], ids["project_id"]
    [me] = client.get(f"{V3}/users?name=admin", headers=admin).json()["users"]
    [project] = client.get(f"{V3}/projects?name=admin", headers=admin).json()["projects"]
    return admin, me["id"], project["id"]


@pytest.mark.parametrize("who", ["reader", "member", "admin"])
def test_identity_policy_matrix(who: str, client: TestClient, cloud: Cloud,
                                admin: dict[str, str], member_a: dict[str, str],
                                member_b: dict[str, str]) -> None:
    headers, own_user, own_project = caller_ids(who, client, cloud, admin, member_a)
    names = {"own_user": own_user, "own_project": own_project, "who": who,
             "other_user": member_b["user_id"], "other_project": member_b["project_id"],
             **ROLE_IDS}
    head = cloud.app.head()
    wrong = []
    for row in MATRIX:
        method, path, body = row[0], row[1].format(**names), row[2]
        if body is not None:
            body = {k: {f: v.format(**names) if isinstance(v, str) else v for f, v in inner.items()}
                    for k, inner in body.items()}
        response = client.request(method, f"{V3}{path}", json=body, headers=headers)
        if response.status_code != row[COLUMN[who]]:
            wrong.append((method, row[1], response.status_code, response.text[:120]))
    assert wrong == []
    if who != "admin":
        assert cloud.app.head() == head  # every refusal changed nothing
