"""The identity read model is derived: rebuilt from event zero, it comes out the same."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud

V3 = "/identity/v3"
TABLES = ("projects", "users", "roles", "role_assignments")


def snapshot(cloud: Cloud) -> dict[str, list[dict[str, Any]]]:
    return {t: cloud.store.query(f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES}


def test_rebuilt_identity_read_model_is_identical(client: TestClient, admin: dict[str, str],
                                                  cloud: Cloud, member_a: dict[str, str]) -> None:
    project = client.post(f"{V3}/projects", headers=admin, json={"project": {
        "name": "p", "tags": ["t"], "colour": "red"}}).json()["project"]
    client.patch(f"{V3}/projects/{project['id']}", headers=admin,
                 json={"project": {"name": "p2", "enabled": False, "size": [1, 2]}})
    user = client.post(f"{V3}/users", headers=admin, json={"user": {
        "name": "u", "password": "pw", "email": "u@example.org", "team": "x"}}).json()["user"]
    client.patch(f"{V3}/users/{user['id']}", headers=admin, json={"user": {"enabled": False}})
    client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{role_id('reader').hex}",
               headers=admin)
    client.post(f"{V3}/roles", headers=admin, json={"role": {"name": "auditor",
                                                             "description": "reads"}})
    client.delete(f"{V3}/projects/{member_a['project_id']}", headers=admin)
    before = snapshot(cloud)
    assert len(before["role_assignments"]) == 2

    runner = cloud.runners["identity"]
    runner.reset()
    assert snapshot(cloud)["projects"] == []
    runner.catch_up()
    assert snapshot(cloud) == before
