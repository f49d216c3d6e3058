"""Fixtures for tests that drive the composed cloud and its API in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from tests.conftest import make_settings


@pytest.fixture
def cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    cloud = build(make_settings(tmp_path / "data", database_url), follow=False)
    ensure_bootstrapped(cloud)
    yield cloud
    cloud.close()


@pytest.fixture
def client(cloud: Cloud) -> Iterator[TestClient]:
    with TestClient(create_app(cloud)) as test_client:
        yield test_client


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


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    """Headers of the bootstrap admin, scoped to the admin project."""
    return {"X-Auth-Token": password_token(client, "admin", "admin-secret", "admin")}


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


@pytest.fixture
def member_a(cloud: Cloud, client: TestClient) -> dict[str, str]:
    ids = make_member(cloud, "project-a", "alice")
    ids["token"] = password_token(client, "alice", ids["password"], "project-a")
    return ids


@pytest.fixture
def member_b(cloud: Cloud, client: TestClient) -> dict[str, str]:
    ids = make_member(cloud, "project-b", "bob")
    ids["token"] = password_token(client, "bob", ids["password"], "project-b")
    return ids
