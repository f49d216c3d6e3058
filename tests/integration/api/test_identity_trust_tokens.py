"""Tokens scoped to a trust (POST /auth/tokens with `scope: {"OS-TRUST:trust": ...}`): the
trustee gets the trust's roles on its project, as themself or impersonating the trustor; each
token uses up one of `remaining_uses`; a deleted trust ends its tokens."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.context import SYSTEM
from domain.identity.role import role_id
from ops.bootstrap import Cloud

V3 = "/identity/v3"
TRUSTS = f"{V3}/OS-TRUST/trusts"


def make_trust(client: TestClient, trustor: dict[str, str], trustee: dict[str, str],
               **fields: Any) -> dict[str, Any]:
    body = {"trustor_user_id": trustor["user_id"], "trustee_user_id": trustee["user_id"],
            "project_id": trustor["project_id"], "impersonation": False,
            "roles": [{"name": "member"}], **fields}
    response = client.post(TRUSTS, json={"trust": body},
                           headers={"X-Auth-Token": trustor["token"]})
    assert response.status_code == 201, response.text
    return dict(response.json()["trust"])


def trust_auth(user: dict[str, str], trust_id: str) -> dict[str, Any]:
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": user["user_id"], "password": user["password"]}}},
        "scope": {"OS-TRUST:trust": {"id": trust_id}}}}


def test_the_trustee_gets_the_trusts_roles_until_its_uses_run_out(
        client: TestClient, member_a: dict[str, str], member_b: dict[str, str],
        cloud: Cloud) -> None:
    trust = make_trust(client, member_a, member_b, remaining_uses=2)
    issued = client.post(f"{V3}/auth/tokens", json=trust_auth(member_b, trust["id"]))
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert token["user"]["id"] == member_b["user_id"]
    assert token["project"]["id"] == member_a["project_id"]
    assert sorted(r["name"] for r in token["roles"]) == ["member", "reader"]
    assert token["OS-TRUST:trust"] == {
        "id": trust["id"], "impersonation": False,
        "trustor_user": {"id": member_a["user_id"]}, "trustee_user": {"id": member_b["user_id"]}}
    trusted = {"X-Auth-Token": issued.headers["X-Subject-Token"]}
    assert client.get(f"{V3}/projects/{member_a['project_id']}", headers=trusted
                      ).status_code == 200
    # A trust-scoped token neither rescopes, nor delegates further, nor makes credentials.
    rescope = {"auth": {"identity": {"methods": ["token"], "token": {
        "id": trusted["X-Auth-Token"]}}, "scope": {"project": {"id": member_a["project_id"]}}}}
    assert client.post(f"{V3}/auth/tokens", json=rescope).status_code == 403
    onward = {"trust": {"trustor_user_id": member_b["user_id"],
                        "trustee_user_id": member_a["user_id"], "impersonation": False}}
    assert client.post(TRUSTS, json=onward, headers=trusted).status_code == 403
    assert client.post(f"{V3}/auth/tokens", json=trust_auth(member_b, trust["id"])
                       ).status_code == 201
    cloud.sync_read_models()
    shown = client.get(f"{TRUSTS}/{trust['id']}", headers={"X-Auth-Token": member_a["token"]})
    assert shown.json()["trust"]["remaining_uses"] == 0
    head = cloud.app.head()
    spent = client.post(f"{V3}/auth/tokens", json=trust_auth(member_b, trust["id"]))
    assert spent.status_code == 403, spent.text
    assert cloud.app.head() == head
    # Tokens already got keep working until the trust goes.
    assert client.get(f"{V3}/projects/{member_a['project_id']}", headers=trusted
                      ).status_code == 200
    assert client.delete(f"{TRUSTS}/{trust['id']}",
                         headers={"X-Auth-Token": member_a["token"]}).status_code == 204
    assert client.get(f"{V3}/projects/{member_a['project_id']}", headers=trusted
                      ).status_code == 401


def test_impersonation_and_refusals(client: TestClient, member_a: dict[str, str],
                                    member_b: dict[str, str], cloud: Cloud) -> None:
    trust = make_trust(client, member_a, member_b, impersonation=True)
    head = cloud.app.head()
    assert client.post(f"{V3}/auth/tokens", json=trust_auth(member_a, trust["id"])
                       ).status_code == 403  # only the trustee uses a trust
    unknown = "0" * 32
    assert client.post(f"{V3}/auth/tokens", json=trust_auth(member_b, unknown)
                       ).status_code == 404
    both = trust_auth(member_b, trust["id"])
    both["auth"]["scope"]["project"] = {"id": member_a["project_id"]}
    assert client.post(f"{V3}/auth/tokens", json=both).status_code == 400
    assert cloud.app.head() == head
    issued = client.post(f"{V3}/auth/tokens", json=trust_auth(member_b, trust["id"]))
    assert issued.status_code == 201, issued.text
    assert issued.json()["token"]["user"]["id"] == member_a["user_id"]  # the trustor
    assert cloud.app.head() == head  # unlimited uses record nothing
    trusted = {"X-Auth-Token": issued.headers["X-Subject-Token"]}
    # Taking the delegated role from the trustor voids the trust's tokens.
    cloud.identity.revoke(SYSTEM, member_a["project_id"], member_a["user_id"],
                          role_id("member").hex)
    assert client.get(f"{V3}/projects/{member_a['project_id']}", headers=trusted
                      ).status_code == 401
    assert client.post(f"{V3}/auth/tokens", json=trust_auth(member_b, trust["id"])
                       ).status_code == 403
