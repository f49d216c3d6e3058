"""Tokens end when the password changes, the project is disabled, or they are revoked."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.identity import password_token

FLAVORS = "/compute/v2.1/flavors"


def test_password_change_ends_existing_tokens(client: TestClient, member_a: dict[str, str]) -> None:
    old = {"X-Auth-Token": member_a["token"]}
    assert client.get(FLAVORS, headers=old).status_code == 200
    body = {"user": {"original_password": member_a["password"], "password": "brand-new-pw"}}
    changed = client.post(f"/identity/v3/users/{member_a['user_id']}/password", json=body)
    assert changed.status_code == 204, changed.text
    assert client.get(FLAVORS, headers=old).status_code == 401
    fresh = password_token(client, member_a["user"], "brand-new-pw", member_a["project"])
    assert client.get(FLAVORS, headers={"X-Auth-Token": fresh}).status_code == 200


def test_disabled_project_ends_its_tokens(client: TestClient, admin: dict[str, str],
                                          member_a: dict[str, str]) -> None:
    headers = {"X-Auth-Token": member_a["token"]}
    assert client.get(FLAVORS, headers=headers).status_code == 200
    patch = {"project": {"enabled": False}}
    assert client.patch(f"/identity/v3/projects/{member_a['project_id']}", json=patch,
                        headers=admin).status_code == 200
    response = client.get(FLAVORS, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401


def test_wrong_original_password_is_401_and_changes_nothing(client: TestClient,
                                                            member_a: dict[str, str]) -> None:
    body = {"user": {"original_password": "wrong", "password": "whatever-else"}}
    response = client.post(f"/identity/v3/users/{member_a['user_id']}/password", json=body)
    assert response.status_code == 401
    assert client.get(FLAVORS, headers={"X-Auth-Token": member_a["token"]}).status_code == 200


def test_nul_in_url_is_400_not_500(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get(FLAVORS + "/abc%00def", headers=admin)
    assert response.status_code == 400
    response = client.get(FLAVORS + "?marker=a%00b", headers=admin)
    assert response.status_code == 400
