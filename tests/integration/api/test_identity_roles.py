"""Keystone roles, grants and role assignments through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud

V3 = "/identity/v3"
ADMIN, MEMBER, READER = (role_id(n).hex for n in ("admin", "member", "reader"))


def token(ids: dict[str, str]) -> dict[str, str]:
    return {"X-Auth-Token": ids["token"]}


def grant_url(ids: dict[str, str], role: str) -> str:
    return f"{V3}/projects/{ids['project_id']}/users/{ids['user_id']}/roles/{role}"


def test_builtin_roles_and_their_implications(client: TestClient, admin: dict[str, str]) -> None:
    roles = client.get(f"{V3}/roles", headers=admin).json()["roles"]
    assert [(r["name"], r["id"]) for r in roles] == \
        [("admin", ADMIN), ("member", MEMBER), ("reader", READER)]
    assert roles[0] == {"id": ADMIN, "name": "admin", "domain_id": None, "description": None,
                        "options": {}, "links": {"self": f"http://testserver{V3}/roles/{ADMIN}"}}
    assert [r["name"] for r in client.get(f"{V3}/roles?name=member",
                                          headers=admin).json()["roles"]] == ["member"]
    inference = client.get(f"{V3}/roles/{ADMIN}/implies", headers=admin).json()["role_inference"]
    assert inference["prior_role"]["name"] == "admin"
    assert [r["name"] for r in inference["implies"]] == ["member"]
    reader = client.get(f"{V3}/roles/{READER}/implies", headers=admin).json()["role_inference"]
    assert reader["implies"] == []


def test_create_and_show_role(client: TestClient, admin: dict[str, str], cloud: Cloud) -> None:
    created = client.post(f"{V3}/roles", json={"role": {"name": "auditor", "description": "reads"}},
                          headers=admin)
    assert created.status_code == 201, created.text
    role = created.json()["role"]
    assert (role["name"], role["description"], role["domain_id"]) == ("auditor", "reads", None)
    assert client.get(f"{V3}/roles/{role['id']}", headers=admin).json() == {"role": role}
    assert client.post(f"{V3}/roles", json={"role": {"name": "auditor"}},
                       headers=admin).status_code == 409
    head = cloud.app.head()
    for bad in ({"role": {"name": "r" * 256}}, {"role": {}}, {"role": {"name": "x"}, "y": 1},
                {"role": {"name": "x", "domain_id": "a/b"}}, {"role": {"name": ["x"]}}):
        assert client.post(f"{V3}/roles", json=bad, headers=admin).status_code == 400, bad
    assert client.post(f"{V3}/roles", json={"role": {"name": "x", "domain_id": "0" * 32}},
                       headers=admin).status_code == 404
    assert cloud.app.head() == head
    assert client.get(f"{V3}/roles/member", headers=admin).status_code == 404


def test_grant_check_list_and_revoke(client: TestClient, admin: dict[str, str],
                                     member_a: dict[str, str]) -> None:
    assert client.head(grant_url(member_a, READER), headers=admin).status_code == 404
    assert client.put(grant_url(member_a, READER), headers=admin).status_code == 204
    assert client.put(grant_url(member_a, READER), headers=admin).status_code == 204  # idempotent
    assert client.head(grant_url(member_a, READER), headers=admin).status_code == 204
    listed = client.get(f"{V3}/projects/{member_a['project_id']}/users/{member_a['user_id']}"
                        "/roles", headers=admin).json()
    assert [r["name"] for r in listed["roles"]] == ["member", "reader"]
    assert client.delete(grant_url(member_a, READER), headers=admin).status_code == 204
    assert client.delete(grant_url(member_a, READER), headers=admin).status_code == 404
    assert client.head(grant_url(member_a, READER), headers=admin).status_code == 404


def test_grants_on_missing_things_are_404(client: TestClient, admin: dict[str, str],
                                          member_a: dict[str, str], cloud: Cloud) -> None:
    head = cloud.app.head()
    missing = "0" * 32
    for ids, role in (({**member_a, "project_id": missing}, MEMBER),
                      ({**member_a, "user_id": missing}, MEMBER),
                      (member_a, missing), (member_a, "member")):
        for method in ("put", "head", "delete"):
            response = getattr(client, method)(grant_url(ids, role), headers=admin)
            assert response.status_code == 404, (method, ids, role)
    assert cloud.app.head() == head


def test_revoking_the_only_role_ends_the_project_token(client: TestClient, admin: dict[str, str],
                                                       member_a: dict[str, str]) -> None:
    own = f"{V3}/projects/{member_a['project_id']}"
    assert client.get(own, headers=token(member_a)).status_code == 200
    assert client.delete(grant_url(member_a, MEMBER), headers=admin).status_code == 204
    refused = client.get(own, headers=token(member_a))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == 401


def assignments(client: TestClient, admin: dict[str, str], query: str) -> list[dict[str, Any]]:
    response = client.get(f"{V3}/role_assignments{query}", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["role_assignments"]  # type: ignore[no-any-return]


def test_role_assignments_filters_and_names(client: TestClient, admin: dict[str, str],
                                            member_a: dict[str, str],
                                            member_b: dict[str, str]) -> None:
    everything = assignments(client, admin, "")
    # admin on admin and on the system, alice on project-a, bob on project-b
    assert len(everything) == 4
    [alice] = assignments(client, admin, f"?user.id={member_a['user_id']}")
    assert alice == {"links": {"assignment": f"http://testserver{grant_url(member_a, MEMBER)}"},
                     "role": {"id": MEMBER}, "scope": {"project": {"id": member_a["project_id"]}},
                     "user": {"id": member_a["user_id"]}}
    [bob] = assignments(client, admin, f"?scope.project.id={member_b['project_id']}&include_names")
    assert bob["role"] == {"id": MEMBER, "name": "member"}
    assert bob["user"] == {"id": member_b["user_id"], "name": "bob",
                           "domain": {"id": "default", "name": "Default"}}
    assert bob["scope"]["project"]["name"] == "project-b"
    assert len(assignments(client, admin, f"?role.id={MEMBER}")) == 2
    assert assignments(client, admin, f"?role.id={READER}") == []
    assert assignments(client, admin, "?group.id=g1") == []


def test_effective_assignments_expand_implied_roles(client: TestClient, admin: dict[str, str],
                                                    member_a: dict[str, str]) -> None:
    rows = assignments(client, admin, f"?user.id={member_a['user_id']}&effective&include_names=1")
    assert [r["role"]["name"] for r in rows] == ["member", "reader"]
    implied = rows[1]["links"]
    assert implied["assignment"].endswith(f"/roles/{MEMBER}")
    assert implied["prior_role"] == f"http://testserver{V3}/prior_role/{READER}/implies/{MEMBER}"
    only_reader = assignments(client, admin,
                              f"?user.id={member_a['user_id']}&effective=true&role.id={READER}")
    assert [r["role"]["id"] for r in only_reader] == [READER]
    explicit_only = assignments(client, admin, f"?user.id={member_a['user_id']}&effective=0")
    assert [r["role"]["id"] for r in explicit_only] == [MEMBER]


def test_contradictory_assignment_filters_are_400(client: TestClient,
                                                  admin: dict[str, str]) -> None:
    for query in ("?user.id=a&group.id=b", "?scope.project.id=a&scope.domain.id=b",
                  "?effective&group.id=b"):
        response = client.get(f"{V3}/role_assignments{query}", headers=admin)
        assert response.status_code == 400 and response.json()["error"]["code"] == 400, query


def test_delete_role_takes_it_from_its_holders(client: TestClient, admin: dict[str, str],
                                               member_a: dict[str, str]) -> None:
    role = client.post(f"{V3}/roles", json={"role": {"name": "auditor"}},
                       headers=admin).json()["role"]
    assert client.put(grant_url(member_a, role["id"]), headers=admin).status_code == 204
    system = f"{V3}/system/users/{member_a['user_id']}/roles/{role['id']}"
    assert client.put(system, headers=admin).status_code == 204
    assert client.delete(f"{V3}/roles/{role['id']}", headers=admin).status_code == 204
    assert client.get(f"{V3}/roles/{role['id']}", headers=admin).status_code == 404
    names = [a["role"]["id"] for a in assignments(client, admin,
                                                  f"?user.id={member_a['user_id']}")]
    assert names == [MEMBER]
    assert client.delete(f"{V3}/roles/{role['id']}", headers=admin).status_code == 404
    assert client.delete(f"{V3}/roles/{ADMIN}", headers=admin).status_code == 403


def test_role_inferences(client: TestClient, admin: dict[str, str],
                         member_a: dict[str, str]) -> None:
    auditor = client.post(f"{V3}/roles", json={"role": {"name": "auditor"}},
                          headers=admin).json()["role"]["id"]
    viewer = client.post(f"{V3}/roles", json={"role": {"name": "viewer"}},
                         headers=admin).json()["role"]["id"]
    rule = f"{V3}/roles/{auditor}/implies/{viewer}"
    assert client.head(rule, headers=admin).status_code == 404
    created = client.put(rule, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["role_inference"]["implies"]["id"] == viewer
    assert client.head(rule, headers=admin).status_code == 204
    assert client.get(rule, headers=admin).json()["role_inference"]["prior_role"]["id"] == auditor
    assert client.put(f"{V3}/roles/{viewer}/implies/{auditor}", headers=admin).status_code == 400
    listed = client.get(f"{V3}/role_inferences", headers=admin).json()["role_inferences"]
    assert {"auditor", "admin", "member"} <= {r["prior_role"]["name"] for r in listed}
    # A user given the prior role holds the implied one, in tokens and effective listings.
    assert client.put(grant_url(member_a, auditor), headers=admin).status_code == 204
    rows = assignments(client, admin, f"?user.id={member_a['user_id']}&effective")
    assert viewer in [r["role"]["id"] for r in rows]
    token = client.get(f"{V3}/auth/tokens", headers={**admin, "X-Subject-Token":
                                                    member_a["token"]}).json()["token"]
    assert "viewer" in [r["name"] for r in token["roles"]]
    assert client.delete(rule, headers=admin).status_code == 204
    assert client.delete(rule, headers=admin).status_code == 404
    rows = assignments(client, admin, f"?user.id={member_a['user_id']}&effective")
    assert viewer not in [r["role"]["id"] for r in rows]
