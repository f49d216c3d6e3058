"""Compute keypairs through the API: generate, import, list/show/delete per microversion, quota."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from adapters import keys
from ops.bootstrap import Cloud
from tests.support.keypairs_api import NOVA_KEY, URL, create, headers

NOVA_FINGERPRINT = "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"


def test_generate_returns_private_key_once_and_never_stores_it(
    client: TestClient, cloud: Cloud, member_a: dict[str, str]
) -> None:
    response = create(client, member_a["token"], name="gen")
    assert response.status_code == 200, response.text  # 2.1 answers 200, 2.2+ 201
    kp = response.json()["keypair"]
    assert set(kp) == {"name", "public_key", "fingerprint", "user_id", "private_key"}
    assert kp["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert kp["public_key"].startswith("ssh-rsa ")
    assert kp["public_key"].endswith(" Generated-by-Nova")
    assert kp["fingerprint"] == keys.fingerprint(kp["public_key"])
    assert kp["user_id"] == member_a["user_id"]
    secret = kp["private_key"].splitlines()[1].encode()
    stored = cloud.app.recorder.select_notifications(start=1, limit=100000)
    assert stored and not any(secret in n.state for n in stored)
    shown = client.get(f"{URL}/gen", headers=headers(member_a["token"])).json()["keypair"]
    assert "private_key" not in shown


def test_import_and_shapes_per_microversion(client: TestClient, member_a: dict[str, str]) -> None:
    token = member_a["token"]
    response = create(client, token, "2.2", name="imp", public_key=NOVA_KEY)
    assert response.status_code == 201, response.text
    assert response.json() == {"keypair": {
        "name": "imp", "public_key": NOVA_KEY, "fingerprint": NOVA_FINGERPRINT,
        "user_id": member_a["user_id"], "type": "ssh"}}
    assert response.headers["OpenStack-API-Version"] == "compute 2.2"
    listed = client.get(URL, headers=headers(token)).json()
    assert listed == {"keypairs": [{"keypair": {
        "name": "imp", "public_key": NOVA_KEY, "fingerprint": NOVA_FINGERPRINT}}]}
    listed_22 = client.get(URL, headers=headers(token, "2.2")).json()
    assert listed_22["keypairs"][0]["keypair"]["type"] == "ssh"
    shown = client.get(f"{URL}/imp", headers=headers(token, "2.2")).json()["keypair"]
    assert set(shown) == {"name", "public_key", "fingerprint", "user_id", "type", "id",
                          "created_at", "updated_at", "deleted", "deleted_at"}
    assert isinstance(shown["id"], int) and shown["deleted"] is False
    assert shown["deleted_at"] is None and shown["updated_at"] is None
    assert "type" not in client.get(f"{URL}/imp", headers=headers(token)).json()["keypair"]


def test_x509_keypairs(client: TestClient, member_a: dict[str, str]) -> None:
    _, cert = keys.generate_x509("someone")
    imported = create(client, member_a["token"], "2.2", name="cert", type="x509", public_key=cert)
    assert imported.status_code == 201, imported.text
    assert imported.json()["keypair"]["fingerprint"] == keys.x509_fingerprint(cert)
    generated = create(client, member_a["token"], "2.2", name="cert2", type="x509")
    assert generated.status_code == 201
    assert "BEGIN CERTIFICATE" in generated.json()["keypair"]["public_key"]
    assert "PRIVATE KEY" in generated.json()["keypair"]["private_key"]


def test_delete_status_per_microversion_and_not_found(
    client: TestClient, member_a: dict[str, str]
) -> None:
    token = member_a["token"]
    for name in ("a", "b"):
        assert create(client, token, name=name, public_key=NOVA_KEY).status_code == 200
    assert client.delete(f"{URL}/a", headers=headers(token)).status_code == 202
    assert client.delete(f"{URL}/b", headers=headers(token, "2.2")).status_code == 204
    missing = client.delete(f"{URL}/a", headers=headers(token))
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        f"Keypair a not found for user {member_a['user_id']}")
    assert client.get(f"{URL}/a", headers=headers(token)).status_code == 404
    # The name is free again after a delete.
    assert create(client, token, name="a", public_key=NOVA_KEY).status_code == 200


def test_duplicate_name_conflicts(client: TestClient, member_a: dict[str, str]) -> None:
    assert create(client, member_a["token"], name="dup", public_key=NOVA_KEY).status_code == 200
    again = create(client, member_a["token"], name="dup", public_key=NOVA_KEY)
    assert again.status_code == 409
    assert again.json()["conflictingRequest"]["message"] == "Key pair 'dup' already exists."


def test_bad_input_is_400_and_changes_nothing(
    client: TestClient, cloud: Cloud, member_a: dict[str, str]
) -> None:
    token = member_a["token"]
    head = cloud.app.head()
    bad: list[tuple[str | None, dict[str, Any]]] = [
        (None, {"name": "k", "public_key": "ssh-rsa not-a-key"}),
        (None, {"name": "k", "public_key": ""}),
        (None, {"name": "k", "public_key": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv"}),
        (None, {"name": "k", "public_key": None}),
        (None, {"name": "bad/name", "public_key": NOVA_KEY}),
        (None, {"name": "x" * 256, "public_key": NOVA_KEY}),
        (None, {"name": "", "public_key": NOVA_KEY}),
        (None, {"name": 5, "public_key": NOVA_KEY}),
        (None, {"public_key": NOVA_KEY}),
        (None, {"name": "k", "public_key": NOVA_KEY, "type": "ssh"}),  # type needs 2.2
        ("2.2", {"name": "k", "public_key": NOVA_KEY, "type": "rsa"}),
        ("2.2", {"name": "k", "public_key": NOVA_KEY, "user_id": "x"}),  # user_id needs 2.10
        ("2.10", {"name": "k", "public_key": NOVA_KEY, "colour": "red"}),
        ("2.10", {"name": "k", "type": "x509", "public_key": "not a certificate"}),
    ]
    for version, keypair in bad:
        response = create(client, token, version, **keypair)
        assert response.status_code == 400, (keypair, response.text)
        assert response.json()["badRequest"]["code"] == 400
    not_json = client.post(URL, content=b"{", headers=headers(token))
    assert not_json.status_code == 400
    assert client.post(URL, json={"name": "k"}, headers=headers(token)).status_code == 400
    assert cloud.app.head() == head
    assert client.get(URL, headers=headers(token)).json() == {"keypairs": []}


def test_quota_exceeded_is_403_in_novas_words(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str]
) -> None:
    body = {"quota_set": {"key_pairs": 2}}
    put = client.put(f"/compute/v2.1/os-quota-sets/{member_a['project_id']}", json=body,
                     headers=admin)
    assert put.status_code == 200, put.text
    for name in ("one", "two"):
        assert create(client, member_a["token"], name=name, public_key=NOVA_KEY).status_code == 200
    over = create(client, member_a["token"], name="three", public_key=NOVA_KEY)
    assert over.status_code == 403
    assert over.json() == {"forbidden": {"code": 403,
                                         "message": "Quota exceeded, too many key pairs."}}
    assert client.delete(f"{URL}/one", headers=headers(member_a["token"])).status_code == 202
    assert create(client, member_a["token"], name="three", public_key=NOVA_KEY).status_code == 200
