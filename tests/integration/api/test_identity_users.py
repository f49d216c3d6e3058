"""Keystone users through the API: CRUD, passwords kept only as hashes, disabling ends tokens."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.identity import password_token

V3 = "/identity/v3"
SECRET = "correct-horse-battery-staple"


def token(ids: dict[str, str]) -> dict[str, str]:
    return {"X-Auth-Token": ids["token"]}


def create_user(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(f"{V3}/users", json={"user": fields}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()["user"]  # type: ignore[no-any-return]


def stored_bytes(cloud: Cloud) -> bytes:
    notifications = cloud.app.recorder.select_notifications(start=1, limit=100_000)
    return b"".join(n.state for n in notifications)


def test_create_returns_keystone_shape_without_password(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str], cloud: Cloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = create_user(client, admin, name="carol", password=SECRET, email="c@example.org",
                       default_project_id=member_a["project_id"], team="blue")
    uid = user["id"]
    assert user == {
        "id": uid, "name": "carol", "domain_id": "default", "enabled": True,
        "password_expires_at": None, "options": {}, "email": "c@example.org",
        "default_project_id": member_a["project_id"], "team": "blue",
        "links": {"self": f"http://testserver{V3}/users/{uid}"}}
    assert client.get(f"{V3}/users/{uid}", headers=admin).json() == {"user": user}
    # The password is stored only as a hash, and never logged or echoed back.
    assert SECRET.encode() not in stored_bytes(cloud)
    assert SECRET not in caplog.text
    assert password_token(client, "carol", SECRET, None)


def test_list_filters(client: TestClient, admin: dict[str, str]) -> None:
    create_user(client, admin, name="on")
    create_user(client, admin, name="off", enabled=False)

    def names(query: str) -> list[str]:
        response = client.get(f"{V3}/users{query}", headers=admin)
        assert response.status_code == 200, response.text
        return [u["name"] for u in response.json()["users"]]

    assert names("") == ["admin", "off", "on"]
    assert names("?name=on") == ["on"]
    assert names("?enabled=0") == ["off"]
    assert names("?domain_id=default&enabled=true") == ["admin", "on"]


def test_update_rename_conflict_and_delete(client: TestClient, admin: dict[str, str],
                                           cloud: Cloud) -> None:
    uid = create_user(client, admin, name="dave", password="pw-dave")["id"]
    create_user(client, admin, name="erin")
    patched = client.patch(f"{V3}/users/{uid}", headers=admin,
                           json={"user": {"name": "david", "description": "ops", "team": "red"}})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["user"]["name"], patched.json()["user"]["team"]) == ("david", "red")
    assert client.post(f"{V3}/users", json={"user": {"name": "erin"}},
                       headers=admin).status_code == 409
    assert client.patch(f"{V3}/users/{uid}", json={"user": {"name": "erin"}},
                        headers=admin).status_code == 409
    reset = client.patch(f"{V3}/users/{uid}", json={"user": {"password": "new-pw"}}, headers=admin)
    assert reset.status_code == 200 and "password" not in reset.json()["user"]
    assert password_token(client, "david", "new-pw", None)
    assert b"new-pw" not in stored_bytes(cloud)
    assert client.delete(f"{V3}/users/{uid}", headers=admin).status_code == 204
    assert client.get(f"{V3}/users/{uid}", headers=admin).status_code == 404
    assert client.delete(f"{V3}/users/{uid}", headers=admin).status_code == 404


def test_disabling_a_user_ends_their_tokens(client: TestClient, admin: dict[str, str],
                                            member_a: dict[str, str]) -> None:
    me = f"{V3}/users/{member_a['user_id']}"
    assert client.get(me, headers=token(member_a)).status_code == 200
    off = client.patch(me, json={"user": {"enabled": False}}, headers=admin)
    assert off.status_code == 200 and off.json()["user"]["enabled"] is False
    refused = client.get(me, headers=token(member_a))
    assert refused.status_code == 401 and refused.json()["error"]["title"] == "Unauthorized"
    client.patch(me, json={"user": {"enabled": True}}, headers=admin)
    assert client.get(me, headers=token(member_a)).status_code == 200


def test_users_change_their_own_password(client: TestClient, member_a: dict[str, str]) -> None:
    url = f"{V3}/users/{member_a['user_id']}/password"
    wrong = client.post(url, json={"user": {"original_password": "nope", "password": "x2"}})
    assert wrong.status_code == 401 and set(wrong.json()["error"]) == {"code", "title", "message"}
    extra = {"user": {"original_password": member_a["password"], "password": "x2", "more": 1}}
    assert client.post(url, json=extra).status_code == 400
    changed = client.post(url, json={"user": {"original_password": member_a["password"],
                                              "password": "x2"}}, headers=token(member_a))
    assert changed.status_code == 204
    assert password_token(client, "alice", "x2", "project-a")
    refused = client.post(f"{V3}/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "alice", "domain": {"id": "default"}, "password": member_a["password"]}}}}})
    assert refused.status_code == 401


BAD_CREATES: list[Any] = [
    {"user": {"name": "u" * 256}},
    {"user": {"name": ""}},
    {"user": {"password": "no-name"}},
    {"user": {"name": "u", "password": 12345}},
    {"user": {"name": "u", "password": "p" * 4097}},
    {"user": {"name": "u", "enabled": "false"}},
    {"user": {"name": "u", "domain_id": None}},
    {"user": {"name": "u", "options": {"lock_password": True}}},
    {"user": {"name": "u"}, "extra": True},
]


def test_bad_user_input_is_400_and_changes_nothing(client: TestClient, admin: dict[str, str],
                                                   cloud: Cloud) -> None:
    head = cloud.app.head()
    for body in BAD_CREATES:
        response = client.post(f"{V3}/users", json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)
        assert "p" * 50 not in response.text  # an oversized password is not echoed back
    assert cloud.app.head() == head


def test_missing_references_are_404_and_change_nothing(client: TestClient, admin: dict[str, str],
                                                       cloud: Cloud) -> None:
    uid = create_user(client, admin, name="frank")["id"]
    head = cloud.app.head()
    for body in ({"user": {"name": "g", "default_project_id": "0" * 32}},
                 {"user": {"name": "g", "domain_id": "elsewhere"}}):
        assert client.post(f"{V3}/users", json=body, headers=admin).status_code == 404
    missing_project = {"user": {"default_project_id": "0" * 32}}
    assert client.patch(f"{V3}/users/{uid}", json=missing_project, headers=admin).status_code == 404
    for bad in ({}, {"enabled": None}, {"domain_id": "other"}, {"id": "other"}):
        response = client.patch(f"{V3}/users/{uid}", json={"user": bad}, headers=admin)
        assert response.status_code == 400, (bad, response.text)
    assert client.get(f"{V3}/users/{'0' * 32}", headers=admin).status_code == 404
    assert cloud.app.head() == head
