"""Identity through the API: a password token, a project with a member."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud


def password_token(client: TestClient, user: str, password: str, project: str | None) -> str:
    auth: dict[str, Any] = {
        "identity": {
            "methods": ["password"],
            "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
        }
    }
    if project is not None:
        auth["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
    response = client.post("/identity/v3/auth/tokens", json={"auth": auth})
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def make_member(
    cloud: Cloud, project_name: str, user_name: str, role: str = "member"
) -> dict[str, str]:
    """A project with one user holding `role` on it; returns ids for the test."""
    from domain.context import SYSTEM
    from domain.identity.role import role_id

    project = cloud.identity.create_project(SYSTEM, project_name)
    user = cloud.identity.create_user(
        SYSTEM, user_name, "pw-" + user_name, default_project_id=project.id.hex
    )
    cloud.identity.grant(SYSTEM, project.id.hex, user.id.hex, role_id(role).hex)
    cloud.sync_read_models()
    return {
        "project_id": project.id.hex,
        "user_id": user.id.hex,
        "project": project_name,
        "user": user_name,
        "password": "pw-" + user_name,
    }
