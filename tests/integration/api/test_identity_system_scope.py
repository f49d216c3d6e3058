"""System role assignments, system-scoped tokens and their role-assignment listings."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud

V3 = "/identity/v3"
ADMIN, MEMBER, READER = (role_id(n).hex for n in ("admin", "member", "reader"))


def system_token(client: TestClient, user: str, password: str) -> Any:
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"system": {"all": True}}}
    return client.post(f"{V3}/auth/tokens", json={"auth": auth})


def test_grant_list_check_and_revoke_a_system_role(client: TestClient, admin: dict[str, str],
                                                   member_a: dict[str, str],
                                                   cloud: Cloud) -> None:
    url = f"{V3}/system/users/{member_a['user_id']}/roles"
    assert client.head(f"{url}/{READER}", headers=admin).status_code == 404
    assert client.put(f"{url}/{READER}", headers=admin).status_code == 204
    assert client.put(f"{url}/{READER}", headers=admin).status_code == 204  # idempotent
    assert client.head(f"{url}/{READER}", headers=admin).status_code == 204
    assert [r["name"] for r in client.get(url, headers=admin).json()["roles"]] == ["reader"]
    listed = client.get(f"{V3}/role_assignments?scope.system=all&include_names",
                        headers=admin).json()["role_assignments"]
    mine = [a for a in listed if a["user"]["id"] == member_a["user_id"]]
    assert mine == [{"links": {"assignment": f"http://testserver{url}/{READER}"},
                     "role": {"id": READER, "name": "reader"}, "scope": {"system": {"all": True}},
                     "user": {"id": member_a["user_id"], "name": member_a["user"],
                              "domain": {"id": "default", "name": "Default"}}}]
    # The member cannot grant itself more.
    assert client.put(f"{url}/{ADMIN}", headers={"X-Auth-Token": member_a["token"]}
                      ).status_code == 403
    assert client.delete(f"{url}/{READER}", headers=admin).status_code == 204
    assert client.delete(f"{url}/{READER}", headers=admin).status_code == 404
    assert client.get(url, headers=admin).json()["roles"] == []
    head = cloud.app.head()
    for bad in (f"{V3}/system/users/{'0' * 32}/roles/{READER}", f"{url}/{'0' * 32}"):
        assert client.put(bad, headers=admin).status_code == 404
    assert cloud.app.head() == head


def test_system_scoped_token(client: TestClient, admin: dict[str, str],
                             member_a: dict[str, str]) -> None:
    assert system_token(client, member_a["user"], member_a["password"]).status_code == 401
    url = f"{V3}/system/users/{member_a['user_id']}/roles/{ADMIN}"
    assert client.put(url, headers=admin).status_code == 204
    issued = system_token(client, member_a["user"], member_a["password"])
    assert issued.status_code == 201, issued.text
    body = issued.json()["token"]
    assert body["system"] == {"all": True}
    assert "project" not in body
    assert sorted(r["name"] for r in body["roles"]) == ["admin", "member", "reader"]
    headers = {"X-Auth-Token": issued.headers["X-Subject-Token"]}
    # An admin on the system may do what an admin may: list users.
    assert client.get(f"{V3}/users", headers=headers).status_code == 200
    shown = client.get(f"{V3}/auth/tokens", headers={**admin, "X-Subject-Token":
                                                     headers["X-Auth-Token"]})
    assert shown.json()["token"]["system"] == {"all": True}
    # Taking the role away ends the token on its next use.
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(f"{V3}/users", headers=headers).status_code == 401


def test_bootstrap_admin_holds_admin_on_the_system(client: TestClient) -> None:
    assert system_token(client, "admin", "admin-secret").status_code == 201


def test_a_token_got_with_a_token_ends_with_it(client: TestClient) -> None:
    first = system_token(client, "admin", "admin-secret")
    rescoped = client.post(f"{V3}/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": first.headers["X-Subject-Token"]}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert rescoped.status_code == 201, rescoped.text
    body = rescoped.json()["token"]
    assert body["expires_at"] == first.json()["token"]["expires_at"]
    assert sorted(body["methods"]) == ["password", "token"]
