"""The token cache (api/token_cache.py) answers from what it kept, and a command that ends a
token's validity ends it for the very next request, on this API server and on another one over
the same event store. SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.identity.role import role_id

if TYPE_CHECKING:
    from ops.bootstrap import Cloud

FLAVORS = "/compute/v2.1/flavors"


@pytest.fixture
def other(cloud: Cloud) -> Iterator[TestClient]:
    """A second API server: its own app and token cache, the same event store."""
    with TestClient(create_app(cloud)) as test_client:
        yield test_client


def warm(clients: list[TestClient], token: str) -> None:
    """Each server validates the token once and then answers from its cache."""
    for client in clients:
        for _ in range(2):
            assert client.get(FLAVORS, headers={"X-Auth-Token": token}).status_code == 200
        assert token in client.app.state.token_cache  # type: ignore[attr-defined]


def refused(clients: list[TestClient], token: str) -> None:
    for client in clients:
        response = client.get(FLAVORS, headers={"X-Auth-Token": token})
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == 401


def test_revoked_token_is_refused_at_once(client: TestClient, other: TestClient,
                                          admin: dict[str, str],
                                          member_a: dict[str, str]) -> None:
    token = member_a["token"]
    warm([client, other], token)
    revoked = client.delete("/identity/v3/auth/tokens",
                            headers={**admin, "X-Subject-Token": token})
    assert revoked.status_code == 204, revoked.text
    refused([client, other], token)
    assert client.get(FLAVORS, headers=admin).status_code == 200  # others' tokens stay


def test_unassigned_role_ends_the_token(client: TestClient, other: TestClient,
                                        admin: dict[str, str],
                                        member_a: dict[str, str]) -> None:
    token = member_a["token"]
    warm([client, other], token)
    path = (f"/identity/v3/projects/{member_a['project_id']}/users/{member_a['user_id']}"
            f"/roles/{role_id('member').hex}")
    assert client.delete(path, headers=admin).status_code == 204
    refused([other, client], token)


@pytest.mark.parametrize("change", ["disable", "delete"])
def test_disabled_or_deleted_user_ends_the_token(client: TestClient, other: TestClient,
                                                 admin: dict[str, str],
                                                 member_a: dict[str, str], change: str) -> None:
    token = member_a["token"]
    warm([client, other], token)
    path = f"/identity/v3/users/{member_a['user_id']}"
    response = (client.patch(path, json={"user": {"enabled": False}}, headers=admin)
                if change == "disable" else client.delete(path, headers=admin))
    assert response.status_code in (200, 204), response.text
    refused([other, client], token)


def test_deleted_project_and_password_change_end_tokens(client: TestClient, other: TestClient,
                                                        admin: dict[str, str],
                                                        member_a: dict[str, str],
                                                        member_b: dict[str, str]) -> None:
    warm([client, other], member_a["token"])
    warm([client, other], member_b["token"])
    body = {"user": {"original_password": member_a["password"], "password": "brand-new-pw"}}
    assert client.post(f"/identity/v3/users/{member_a['user_id']}/password",
                       json=body).status_code == 204
    refused([other, client], member_a["token"])
    path = f"/identity/v3/projects/{member_b['project_id']}"
    assert client.patch(path, json={"project": {"enabled": False}},
                        headers=admin).status_code == 200
    assert client.delete(path, headers=admin).status_code == 204
    refused([other, client], member_b["token"])


def test_cache_off_validates_every_time(cloud: Cloud, client: TestClient,
                                        admin: dict[str, str],
                                        member_a: dict[str, str]) -> None:
    client.app.state.token_cache.enabled = False  # type: ignore[attr-defined]
    token = member_a["token"]
    assert client.get(FLAVORS, headers={"X-Auth-Token": token}).status_code == 200
    assert token not in client.app.state.token_cache  # type: ignore[attr-defined]
    assert client.delete("/identity/v3/auth/tokens",
                         headers={**admin, "X-Subject-Token": token}).status_code == 204
    refused([client], token)
