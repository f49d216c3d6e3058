"""Identity bodies against the OpenAPI document (the other services':
test_openapi_responses.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.openapi_checks import Checked

V3 = "/identity/v3"


@pytest.fixture
def checked(client: TestClient) -> Checked:
    return Checked(client)


def test_identity_bodies_match_the_document(checked: Checked, admin: dict[str, str],
                                            member_a: dict[str, str]) -> None:
    token = checked.call("get", f"{V3}/auth/tokens", {**admin, "X-Subject-Token":
                                                     member_a["token"]})["token"]
    assert token["project"]["id"] == member_a["project_id"]
    project = checked.call("post", f"{V3}/projects", admin,
                           json={"project": {"name": "p", "x-extra": 1}})["project"]
    checked.call("patch", f"{V3}/projects/{{project_id}}", admin, project_id=project["id"],
                 json={"project": {"description": "d"}})
    checked.call("get", f"{V3}/projects/{{project_id}}", admin, project_id=project["id"])
    checked.call("get", f"{V3}/projects", admin)
    checked.call("get", f"{V3}/auth/projects", {"X-Auth-Token": member_a["token"]})
    user = checked.call("post", f"{V3}/users", admin, json={"user": {
        "name": "u", "password": "pw", "email": "u@example.org"}})["user"]
    # No default project: an unscoped token, with no project and no roles.
    unscoped = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "u", "domain": {"id": "default"}, "password": "pw"}}}}}
    assert "project" not in checked.call("post", f"{V3}/auth/tokens", {}, json=unscoped)["token"]
    checked.call("patch", f"{V3}/users/{{user_id}}", admin, user_id=user["id"],
                 json={"user": {"default_project_id": project["id"]}})
    checked.call("get", f"{V3}/users/{{user_id}}", admin, user_id=user["id"])
    checked.call("get", f"{V3}/users", admin)
    checked.call("get", f"{V3}/users/{{user_id}}/projects", admin,
                 user_id=member_a["user_id"])
    role = checked.call("post", f"{V3}/roles", admin, json={"role": {"name": "r"}})["role"]
    checked.call("get", f"{V3}/roles/{{role_id}}", admin, role_id=role["id"])
    checked.call("patch", f"{V3}/roles/{{role_id}}", admin, role_id=role["id"],
                 json={"role": {"name": "r2"}})
    checked.call("get", f"{V3}/roles", admin)
    checked.call("get", f"{V3}/projects/{{project_id}}/users/{{user_id}}/roles", admin,
                 project_id=member_a["project_id"], user_id=member_a["user_id"])
    checked.call("get", f"{V3}/domains", admin)
    checked.call("get", f"{V3}/domains/{{domain_id}}", admin, domain_id="default")
    domain = checked.call("post", f"{V3}/domains", admin, json={"domain": {"name": "d"}})["domain"]
    checked.call("patch", f"{V3}/domains/{{domain_id}}", admin, domain_id=domain["id"],
                 json={"domain": {"enabled": False}})
    group = checked.call("post", f"{V3}/groups", admin, json={"group": {"name": "g"}})["group"]
    gid = {"identity_group_id": group["id"]}
    checked.call("patch", f"{V3}/groups/{{identity_group_id}}", admin, **gid,
                 json={"group": {"description": "d"}})
    checked.call("get", f"{V3}/groups/{{identity_group_id}}", admin, **gid)
    checked.call("get", f"{V3}/groups", admin)
    checked.call("get", f"{V3}/groups/{{identity_group_id}}/users", admin, **gid)
    checked.call("get", f"{V3}/users/{{user_id}}/groups", admin, user_id=member_a["user_id"])
    checked.call("get", f"{V3}/projects/{{project_id}}/groups/{{identity_group_id}}/roles", admin,
                 project_id=member_a["project_id"], **gid)
    checked.call("get", f"{V3}/system/groups/{{identity_group_id}}/roles", admin, **gid)
    checked.call("get", f"{V3}/domains/{{domain_id}}/users/{{user_id}}/roles", admin,
                 domain_id="default", user_id=member_a["user_id"])
    checked.call("get", f"{V3}/domains/{{domain_id}}/groups/{{identity_group_id}}/roles", admin,
                 domain_id="default", **gid)
    inherit = f"{V3}/OS-INHERIT/domains/{{domain_id}}"
    checked.call("get", f"{inherit}/users/{{user_id}}/roles/inherited_to_projects", admin,
                 domain_id="default", user_id=member_a["user_id"])
    checked.call("get", f"{inherit}/groups/{{identity_group_id}}/roles/inherited_to_projects",
                 admin, domain_id="default", **gid)
    checked.call("get", f"{V3}/auth/domains", {"X-Auth-Token": member_a["token"]})
    checked.call("get", f"{V3}/system/users/{{user_id}}/roles", admin,
                 user_id=member_a["user_id"])
    system = {"auth": {**unscoped["auth"], "scope": {"system": {"all": True}}}}
    system["auth"]["identity"]["password"]["user"].update(name="admin", password="admin-secret")
    assert checked.call("post", f"{V3}/auth/tokens", {}, json=system)["token"]["system"]
    checked.call("get", f"{V3}/auth/catalog", {"X-Auth-Token": member_a["token"]})
    assert checked.seen == checked.modelled("identity")
