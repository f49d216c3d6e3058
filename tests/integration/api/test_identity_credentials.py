"""Credentials and EC2 credentials through the API; their secrets are encrypted at rest."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.read_models import dump_all

V3 = "/identity/v3"


def stored_text(cloud: Cloud) -> str:
    """Every stored event's state and every read-model row, as one text to search."""
    events = cloud.app.recorder.select_notifications(start=1, limit=100000)
    return repr([bytes(n.state) for n in events]) + repr(dump_all(cloud.store))


def test_ec2_credentials_of_a_user(client: TestClient, member_a: dict[str, str],
                                   member_b: dict[str, str], cloud: Cloud) -> None:
    mine = {"X-Auth-Token": member_a["token"]}
    url = f"{V3}/users/{member_a['user_id']}/credentials/OS-EC2"
    created = client.post(url, headers=mine, json={"tenant_id": member_a["project_id"]})
    assert created.status_code == 201, created.text
    cred = created.json()["credential"]
    assert (cred["user_id"], cred["tenant_id"]) == (member_a["user_id"], member_a["project_id"])
    assert cred["access"] and cred["secret"]
    assert client.get(f"{url}/{cred['access']}", headers=mine).json()["credential"] == cred
    assert [c["access"] for c in client.get(url, headers=mine).json()["credentials"]] == \
        [cred["access"]]
    assert cred["secret"] not in stored_text(cloud)
    # Someone else's are not theirs to see.
    assert client.get(url, headers={"X-Auth-Token": member_b["token"]}).status_code == 403
    as_credential = client.get(f"{V3}/credentials", headers=mine).json()["credentials"]
    assert json.loads(as_credential[0]["blob"])["secret"] == cred["secret"]
    assert client.delete(f"{url}/{cred['access']}", headers=mine).status_code == 204
    assert client.get(f"{url}/{cred['access']}", headers=mine).status_code == 404


def test_credentials_crud(client: TestClient, admin: dict[str, str], member_a: dict[str, str],
                          cloud: Cloud) -> None:
    blob = json.dumps({"access": "AK1", "secret": "very-secret-1"})
    body = {"credential": {"user_id": member_a["user_id"], "project_id": member_a["project_id"],
                           "type": "ec2", "blob": blob}}
    created = client.post(f"{V3}/credentials", headers=admin, json=body)
    assert created.status_code == 201, created.text
    cred = created.json()["credential"]
    assert cred["blob"] == blob and len(cred["id"]) == 64
    assert client.post(f"{V3}/credentials", headers=admin, json=body).status_code == 409
    new = json.dumps({"access": "AK2", "secret": "very-secret-2"})
    updated = client.patch(f"{V3}/credentials/{cred['id']}", headers=admin,
                           json={"credential": {"blob": new}}).json()["credential"]
    assert (updated["id"], updated["blob"]) == (cred["id"], new)
    assert client.get(f"{V3}/credentials/{cred['id']}", headers=admin).json()[
        "credential"]["blob"] == new
    assert "very-secret" not in stored_text(cloud)
    head = cloud.app.head()
    for bad in ({**body["credential"], "blob": "not json"},
                {**body["credential"], "project_id": None},
                {**body["credential"], "user_id": "0" * 32}):
        response = client.post(f"{V3}/credentials", headers=admin, json={"credential": bad})
        assert response.status_code in (400, 404), (bad, response.text)
    assert cloud.app.head() == head
    assert client.delete(f"{V3}/credentials/{cred['id']}", headers=admin).status_code == 204
    assert client.get(f"{V3}/credentials/{cred['id']}", headers=admin).status_code == 404


def test_text_postgresql_cannot_hold_is_400(client: TestClient, admin: dict[str, str],
                                            member_a: dict[str, str], cloud: Cloud) -> None:
    # A NUL in a credential's type reached an event and stalled the PostgreSQL projection of
    # credentials: its models now refuse what every other Keystone body refuses (`storable`).
    made = client.post(f"{V3}/credentials", headers=admin, json={"credential": {
        "user_id": member_a["user_id"], "type": "cert", "blob": "x"}})
    assert made.status_code == 201, made.text
    url = f"{V3}/credentials/{made.json()['credential']['id']}"
    head = cloud.app.head()
    assert client.post(f"{V3}/credentials", headers=admin, json={"credential": {
        "user_id": member_a["user_id"], "type": "a\x00b", "blob": "x"}}).status_code == 400
    assert client.patch(url, headers=admin,
                        json={"credential": {"type": "a\x00b"}}).status_code == 400
    assert cloud.app.head() == head
    cloud.sync_read_models()
    assert client.get(url, headers=admin).json()["credential"]["type"] == "cert"
