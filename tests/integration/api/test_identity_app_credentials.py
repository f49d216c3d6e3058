"""Application credentials and access rules through the API, and the token they give."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud

V3 = "/identity/v3"
READER = role_id("reader").hex


def app_token(client: TestClient, credential_id: str, secret: str) -> Any:
    auth = {"identity": {"methods": ["application_credential"],
                         "application_credential": {"id": credential_id, "secret": secret}}}
    return client.post(f"{V3}/auth/tokens", json={"auth": auth})


def test_create_authenticate_list_and_delete(client: TestClient, member_a: dict[str, str],
                                             admin: dict[str, str], cloud: Cloud) -> None:
    mine = {"X-Auth-Token": member_a["token"]}
    url = f"{V3}/users/{member_a['user_id']}/application_credentials"
    created = client.post(url, headers=mine, json={"application_credential": {
        "name": "ci", "roles": [{"id": READER}], "expires_at": "2999-01-01T10:00:00.123456",
        "access_rules": [{"path": "/v2.1/servers/*/ips", "method": "GET",
                          "service": "compute"}]}})
    assert created.status_code == 201, created.text
    credential = created.json()["application_credential"]
    assert (credential["project_id"], credential["expires_at"], credential["unrestricted"]) == \
        (member_a["project_id"], "2999-01-01T10:00:00.123456", False)
    assert [r["name"] for r in credential["roles"]] == ["reader"]
    rule = credential["access_rules"][0]
    assert {k: rule[k] for k in ("path", "method", "service")} == \
        {"path": "/v2.1/servers/*/ips", "method": "GET", "service": "compute"}
    shown = client.get(f"{url}/{credential['id']}", headers=mine).json()["application_credential"]
    assert "secret" not in shown and shown["name"] == "ci"
    assert client.post(url, headers=mine, json={"application_credential": {"name": "ci"}}
                       ).status_code == 409
    issued = app_token(client, credential["id"], credential["secret"])
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert token["project"]["id"] == member_a["project_id"]
    assert [r["name"] for r in token["roles"]] == ["reader"]
    assert token["application_credential"] == {"id": credential["id"], "name": "ci",
                                               "restricted": True}
    assert token["methods"] == ["application_credential"]
    # A restricted credential's token cannot make another credential.
    restricted = {"X-Auth-Token": issued.headers["X-Subject-Token"]}
    assert client.post(url, headers=restricted, json={"application_credential": {
        "name": "more"}}).status_code == 403
    assert app_token(client, credential["id"], "wrong").status_code == 401
    # Another user may not look at them; the rule stays while the credential uses it.
    assert client.get(url, headers={"X-Auth-Token": "x"}).status_code == 401
    rules_url = f"{V3}/users/{member_a['user_id']}/access_rules"
    assert client.delete(f"{rules_url}/{rule['id']}", headers=mine).status_code == 403
    assert [c["id"] for c in client.get(f"{url}?name=ci", headers=mine).json()[
        "application_credentials"]] == [credential["id"]]
    assert client.delete(f"{url}/{credential['id']}", headers=mine).status_code == 204
    assert client.get(f"{V3}/auth/tokens", headers={
        **admin, "X-Subject-Token": restricted["X-Auth-Token"]}).status_code == 404
    assert app_token(client, credential["id"], credential["secret"]).status_code == 401
    assert [r["id"] for r in client.get(rules_url, headers=mine).json()["access_rules"]] == \
        [rule["id"]]
    assert client.delete(f"{rules_url}/{rule['id']}", headers=mine).status_code == 204
    assert client.get(rules_url, headers=mine).json()["access_rules"] == []


def test_bad_input_is_400(client: TestClient, member_a: dict[str, str], cloud: Cloud) -> None:
    mine = {"X-Auth-Token": member_a["token"]}
    url = f"{V3}/users/{member_a['user_id']}/application_credentials"
    head = cloud.app.head()
    for bad in ({"name": ""}, {"name": "x", "expires_at": "2000-01-01T00:00:00"},
                {"name": "x", "unrestricted": "yes"},
                {"name": "x", "access_rules": [{"path": "/x", "method": "FETCH",
                                                "service": "compute"}]}):
        response = client.post(url, headers=mine, json={"application_credential": bad})
        assert response.status_code == 400, (bad, response.text)
    assert client.post(url, headers=mine, json={"application_credential": {
        "name": "x", "roles": [{"name": "admin"}]}}).status_code == 404
    assert cloud.app.head() == head
