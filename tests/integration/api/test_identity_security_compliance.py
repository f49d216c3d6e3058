"""Keystone's security compliance through the API (devstack's settings: 2 failed logins lock
for the lockout duration, a user's own change refuses their last 2 passwords): a locked account
is 401 even with the right password; a reused password is 400 and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from tests.support.identity import make_member
from tests.support.settings import make_settings

V3 = "/identity/v3"


@pytest.fixture
def strict(database_url: str, tmp_path: Path) -> Iterator[tuple[Cloud, TestClient]]:
    settings = make_settings(tmp_path / "data", database_url, lockout_failure_attempts=2,
                             lockout_duration=3600, unique_last_password_count=2)
    cloud = build(settings, follow=False)
    ensure_bootstrapped(cloud)
    with TestClient(create_app(cloud)) as client:
        yield cloud, client
    cloud.close()


def login(client: TestClient, user_id: str, password: str) -> int:
    body = {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"id": user_id, "password": password}}}}}
    return client.post(f"{V3}/auth/tokens", json=body).status_code


def change(client: TestClient, user_id: str, original: str, password: str) -> Any:
    return client.post(f"{V3}/users/{user_id}/password", json={
        "user": {"original_password": original, "password": password}})


def test_failed_logins_lock_the_account(strict: tuple[Cloud, TestClient]) -> None:
    cloud, client = strict
    ids = make_member(cloud, "p", "carol")
    assert login(client, ids["user_id"], ids["password"]) == 201
    assert [login(client, ids["user_id"], "wrong") for _ in range(2)] == [401, 401]
    assert login(client, ids["user_id"], ids["password"]) == 401  # locked
    by_name = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "carol", "domain": {"id": "default"}, "password": ids["password"]}}}}}
    assert client.post(f"{V3}/auth/tokens", json=by_name).status_code == 401


def test_own_password_change_refuses_the_last_two(strict: tuple[Cloud, TestClient]) -> None:
    cloud, client = strict
    ids = make_member(cloud, "p", "dave")
    first = ids["password"]
    assert change(client, ids["user_id"], first, "second-pw").status_code == 204
    head = cloud.app.head()
    for reused in ("second-pw", first):
        response = change(client, ids["user_id"], "second-pw", reused)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == 400
    assert cloud.app.head() == head
    assert change(client, ids["user_id"], "second-pw", "third-pw").status_code == 204
    assert login(client, ids["user_id"], "third-pw") == 201
