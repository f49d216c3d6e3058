"""Fixtures for tests that drive the composed cloud, its API in-process and its CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.persistence import Database
from api.app import create_app
from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from projections.scratch import ScratchSpace, scratch_labels
from tests.support.cli import History, cli_env
from tests.support.compute_api import SERVERS, Compute, auth, make_image, register_host
from tests.support.identity import make_member, password_token
from tests.support.settings import make_settings
from tests.support.volumes_api import Volumes


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


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    """Headers of the bootstrap admin, scoped to the admin project."""
    return {"X-Auth-Token": password_token(client, "admin", "admin-secret", "admin")}


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


@pytest.fixture
def compute(cloud: Cloud, client: TestClient) -> Compute:
    register_host(cloud, "host-1")
    register_host(cloud, "host-2")
    image = make_image(cloud)
    cloud.sync_read_models()
    return Compute(cloud, client, image)


@pytest.fixture
def volumes(cloud: Cloud, client: TestClient) -> Volumes:
    return Volumes(cloud, client)


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[dict[str, str]]:
    """The CLI's SKYLEDGER_* environment, set for the test: the `cloud` fixture's store."""
    values = cli_env(database_url, tmp_path)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    yield values
    database = Database(database_url)
    if database.is_postgres:  # SQLite's scratch files go with tmp_path
        for label in scratch_labels(database, "replay"):
            ScratchSpace(database, label).drop()


@pytest.fixture
def history(compute: Compute, member_a: dict[str, str], admin: dict[str, str],
            env: dict[str, str]) -> History:
    """What the replay, diff and query tests look back on (tests/support/cli.py)."""
    first, second = compute.active(member_a, name="web-1"), compute.active(member_a, name="web-2")
    compute.cloud.sync_read_models()
    at, position = datetime.now(UTC), compute.cloud.app.head()
    third, fourth = compute.active(member_a, name="web-3"), compute.active(member_a, name="web-4")
    response = compute.client.delete(f"{SERVERS}/{first}", headers=auth(member_a))
    assert response.status_code == 204, response.text
    compute.deleted(first)
    quota = compute.client.put(f"/compute/v2.1/os-quota-sets/{member_a['project_id']}",
                               json={"quota_set": {"instances": 7, "cores": 9}}, headers=admin)
    assert quota.status_code == 200, quota.text
    compute.cloud.sync_read_models()
    return History(compute, member_a, at, position, [first, second], [second, third, fourth],
                   first, [third, fourth])
