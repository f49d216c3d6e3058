"""Keystone projects and domains through the API: CRUD, filters, own projects, bad input."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud

V3 = "/identity/v3"


def token(ids: dict[str, str]) -> dict[str, str]:
    return {"X-Auth-Token": ids["token"]}


def create_project(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(f"{V3}/projects", json={"project": fields}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()["project"]  # type: ignore[no-any-return]


def test_create_show_update_delete_in_keystone_shape(client: TestClient,
                                                     admin: dict[str, str]) -> None:
    created = create_project(client, admin, name="demo", description="d", tags=["x"],
                             colour="red", id="ignored")
    pid = created["id"]
    assert created == {
        "id": pid, "name": "demo", "domain_id": "default", "description": "d", "enabled": True,
        "is_domain": False, "parent_id": "default", "tags": ["x"], "options": {},
        "colour": "red", "links": {"self": f"http://testserver{V3}/projects/{pid}"}}
    assert client.get(f"{V3}/projects/{pid}", headers=admin).json() == {"project": created}
    patched = client.patch(f"{V3}/projects/{pid}", headers=admin,
                           json={"project": {"name": "demo2", "enabled": False, "size": 3}})
    assert patched.status_code == 200, patched.text
    shown = client.get(f"{V3}/projects/{pid}", headers=admin).json()["project"]
    assert (shown["name"], shown["enabled"], shown["colour"], shown["size"]) == \
        ("demo2", False, "red", 3)
    assert client.delete(f"{V3}/projects/{pid}", headers=admin).status_code == 204
    gone = client.get(f"{V3}/projects/{pid}", headers=admin)
    assert gone.status_code == 404 and gone.json()["error"]["title"] == "Not Found"


def test_list_filters_by_name_domain_and_enabled(client: TestClient,
                                                 admin: dict[str, str]) -> None:
    create_project(client, admin, name="on")
    create_project(client, admin, name="off", enabled=False)

    def names(query: str) -> list[str]:
        response = client.get(f"{V3}/projects{query}", headers=admin)
        assert response.status_code == 200, response.text
        assert response.json()["links"]["next"] is None
        return [p["name"] for p in response.json()["projects"]]

    assert names("") == ["admin", "off", "on"]
    assert names("?name=off") == ["off"]
    assert names("?enabled=false") == ["off"]
    assert names("?enabled=true&domain_id=default") == ["admin", "on"]
    assert names("?domain_id=other") == []
    # NUL can be no name; the API refuses it for every route (api/limits.py).
    assert client.get(f"{V3}/projects?name=%00", headers=admin).status_code == 400
    assert client.get(f"{V3}/projects?enabled=maybe", headers=admin).status_code == 400


def test_duplicate_names_conflict(client: TestClient, admin: dict[str, str]) -> None:
    pid = create_project(client, admin, name="one")["id"]
    create_project(client, admin, name="two")
    again = client.post(f"{V3}/projects", json={"project": {"name": "one"}}, headers=admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == 409
    rename = client.patch(f"{V3}/projects/{pid}", json={"project": {"name": "two"}}, headers=admin)
    assert rename.status_code == 409


BAD_CREATES: list[Any] = [
    {"project": {"name": "x" * 65}},
    {"project": {"name": ""}},
    {"project": {"description": "no name"}},
    {"project": {"name": 42}},
    {"project": {"name": "p", "enabled": "yes"}},
    {"project": {"name": "p", "tags": ["a", "a"]}},
    {"project": {"name": "p", "tags": ["a/b"]}},
    {"project": {"name": "p", "options": {"immutable": True}}},
    {"project": {"name": "p", "is_domain": True, "parent_id": "default"}},
    {"project": {"name": "p", "is_domain": True, "domain_id": "default"}},
    {"project": {"name": "p", "is_domain": "yes"}},
    {"project": {"name": "p"}, "unexpected": 1},
    # Text PostgreSQL cannot store and numbers JSON cannot carry would stall the read model.
    {"project": {"name": "p", "description": "a\x00b"}},
    {"project": {"name": "p", "note": {"deep": ["a\x00b"]}}},
    {"project": "p"},
    [],
]


def test_bad_project_input_is_400_and_changes_nothing(client: TestClient, admin: dict[str, str],
                                                      cloud: Cloud) -> None:
    head = cloud.app.head()
    raw = ['{"project": {"name": "p", "ratio": NaN}}', '{"project": {"name": "p", "x": 1e999}}']
    for body in BAD_CREATES + raw:
        sent = {"content": body} if isinstance(body, str) else {"json": body}
        response = client.post(f"{V3}/projects", headers={**admin, "Content-Type":
                                                          "application/json"}, **sent)
        assert response.status_code == 400, (body, response.text)
        assert set(response.json()["error"]) == {"code", "title", "message"}
    assert cloud.app.head() == head


def test_bad_updates_and_missing_references(client: TestClient, admin: dict[str, str],
                                            cloud: Cloud) -> None:
    pid = create_project(client, admin, name="keep")["id"]
    head = cloud.app.head()
    for bad in ({}, {"name": None}, {"enabled": None}, {"domain_id": "other"}, {"id": "x"},
                {"parent_id": pid}, {"name": "y" * 65}):
        response = client.patch(f"{V3}/projects/{pid}", json={"project": bad}, headers=admin)
        assert response.status_code == 400, (bad, response.text)
    for unknown in ({"domain_id": "nowhere"}, {"parent_id": "0123456789abcdef0123456789abcdef"}):
        response = client.post(f"{V3}/projects", headers=admin,
                               json={"project": {"name": "p", **unknown}})
        assert response.status_code == 404, unknown
    for method in ("get", "patch", "delete"):
        kwargs: dict[str, Any] = {"json": {"project": {"name": "z"}}} if method == "patch" else {}
        for missing in ("0" * 32, "not-a-uuid", "%00"):
            response = getattr(client, method)(f"{V3}/projects/{missing}", headers=admin, **kwargs)
            assert response.status_code == (400 if missing == "%00" else 404), (method, missing)
    assert cloud.app.head() == head


def test_members_see_their_own_projects(client: TestClient, member_a: dict[str, str],
                                        member_b: dict[str, str]) -> None:
    mine = client.get(f"{V3}/projects/{member_a['project_id']}", headers=token(member_a))
    assert mine.status_code == 200 and mine.json()["project"]["name"] == "project-a"
    own = client.get(f"{V3}/users/{member_a['user_id']}/projects", headers=token(member_a))
    assert [p["name"] for p in own.json()["projects"]] == ["project-a"]
    auth = client.get(f"{V3}/auth/projects", headers=token(member_a))
    assert [p["id"] for p in auth.json()["projects"]] == [member_a["project_id"]]
    assert client.get(f"{V3}/projects", headers=token(member_a)).status_code == 403


def test_unscoped_token_lists_auth_projects_without_disabled_ones(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str],
) -> None:
    # Without a scope Keystone scopes to the default project; "unscoped" asks for no scope at all.
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": "alice", "domain": {"id": "default"}, "password": member_a["password"]}}},
        "scope": "unscoped"}
    issued = client.post(f"{V3}/auth/tokens", json={"auth": auth})
    assert issued.status_code == 201 and "project" not in issued.json()["token"]
    unscoped = {"X-Auth-Token": issued.headers["X-Subject-Token"]}
    response = client.get(f"{V3}/auth/projects", headers=unscoped)
    assert [p["name"] for p in response.json()["projects"]] == ["project-a"]
    assert response.json()["links"]["self"] == f"http://testserver{V3}/auth/projects"
    client.patch(f"{V3}/projects/{member_a['project_id']}", headers=admin,
                 json={"project": {"enabled": False}})
    assert client.get(f"{V3}/auth/projects", headers=unscoped).json()["projects"] == []


def test_deleting_a_project_ends_its_tokens(client: TestClient, admin: dict[str, str],
                                            member_a: dict[str, str]) -> None:
    assert client.get(f"{V3}/auth/projects", headers=token(member_a)).status_code == 200
    deleted = client.delete(f"{V3}/projects/{member_a['project_id']}", headers=admin)
    assert deleted.status_code == 204
    response = client.get(f"{V3}/auth/projects", headers=token(member_a))
    assert response.status_code == 401 and response.json()["error"]["code"] == 401
    listed = client.get(f"{V3}/role_assignments?user.id={member_a['user_id']}", headers=admin)
    assert listed.json()["role_assignments"] == []


def test_the_default_domain(client: TestClient, admin: dict[str, str],
                            member_a: dict[str, str]) -> None:
    domains = client.get(f"{V3}/domains", headers=admin).json()["domains"]
    assert [(d["id"], d["name"], d["enabled"]) for d in domains] == [("default", "Default", True)]
    assert client.get(f"{V3}/domains?name=Other", headers=admin).json()["domains"] == []
    shown = client.get(f"{V3}/domains/default", headers=token(member_a))
    assert shown.status_code == 200 and shown.json()["domain"]["name"] == "Default"
    assert client.get(f"{V3}/domains/other", headers=admin).status_code == 404
    assert client.get(f"{V3}/domains", headers=token(member_a)).status_code == 403


def test_project_hierarchy(client: TestClient, admin: dict[str, str]) -> None:
    root = create_project(client, admin, name="root")
    assert root["parent_id"] == "default"
    child = client.post(f"{V3}/projects", headers=admin, json={"project": {
        "name": "child", "parent_id": root["id"]}})
    assert child.status_code == 201, child.text
    assert (child.json()["project"]["parent_id"], child.json()["project"]["domain_id"]) == \
        (root["id"], "default")
    shown = client.get(f"{V3}/projects/{child.json()['project']['id']}", headers=admin).json()
    assert shown["project"]["parent_id"] == root["id"]
    under_root = client.get(f"{V3}/projects?parent_id={root['id']}", headers=admin).json()
    assert [p["name"] for p in under_root["projects"]] == ["child"]
    top = client.get(f"{V3}/projects?parent_id=default", headers=admin).json()["projects"]
    assert "root" in [p["name"] for p in top] and "child" not in [p["name"] for p in top]


def test_project_tags(client: TestClient, admin: dict[str, str]) -> None:
    pid = create_project(client, admin, name="tagged", tags=["a"])["id"]
    url = f"{V3}/projects/{pid}/tags"
    assert client.put(f"{url}/b", headers=admin).status_code == 201
    assert client.get(url, headers=admin).json() == {"tags": ["a", "b"]}
    assert client.head(f"{url}/b", headers=admin).status_code == 204
    assert client.delete(f"{url}/a", headers=admin).status_code == 204
    assert client.get(f"{url}/a", headers=admin).status_code == 404
    assert client.put(url, json={"tags": ["x", "y"]}, headers=admin).json() == {"tags": ["x", "y"]}
    assert client.put(url, json={"tags": ["x", "x"]}, headers=admin).status_code == 400
    assert client.put(f"{url}/{'z' * 256}", headers=admin).status_code == 400
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(f"{V3}/projects/{pid}", headers=admin).json()["project"]["tags"] == []
