"""Trusts (OS-TRUST) through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from domain.identity.role import role_id
from ops.bootstrap import Cloud

TRUSTS = "/identity/v3/OS-TRUST/trusts"
MEMBER, ADMIN = role_id("member").hex, role_id("admin").hex


def test_create_show_list_and_delete_a_trust(client: TestClient, member_a: dict[str, str],
                                             member_b: dict[str, str], admin: dict[str, str],
                                             cloud: Cloud) -> None:
    trustor = {"X-Auth-Token": member_a["token"]}
    body = {"trust": {"trustor_user_id": member_a["user_id"],
                      "trustee_user_id": member_b["user_id"],
                      "project_id": member_a["project_id"], "impersonation": False,
                      "roles": [{"name": "member"}], "expires_at": "2999-01-01T00:00:00Z"}}
    created = client.post(TRUSTS, json=body, headers=trustor)
    assert created.status_code == 201, created.text
    trust = created.json()["trust"]
    assert (trust["expires_at"], [r["id"] for r in trust["roles"]]) == \
        ("2999-01-01T00:00:00.000000Z", [MEMBER])
    assert client.get(f"{TRUSTS}/{trust['id']}", headers=trustor).json()["trust"] == trust
    listed = client.get(f"{TRUSTS}/?trustor_user_id={member_a['user_id']}", headers=trustor)
    assert [t["id"] for t in listed.json()["trusts"]] == [trust["id"]]
    assert client.get(TRUSTS, headers=admin).status_code == 200
    assert client.get(TRUSTS, headers=trustor).status_code == 403
    assert client.head(f"{TRUSTS}/{trust['id']}/roles/{MEMBER}", headers=trustor
                       ).status_code == 200
    assert client.get(f"{TRUSTS}/{trust['id']}/roles/{ADMIN}", headers=trustor
                      ).status_code == 404
    head = cloud.app.head()
    for bad, status in (({"expires_at": "bad.123Z"}, 400), ({"roles": [{"name": "admin"}]}, 403),
                        ({"trustor_user_id": member_b["user_id"]}, 403)):
        response = client.post(TRUSTS, json={"trust": {**body["trust"], **bad}}, headers=trustor)
        assert response.status_code == status, (bad, response.text)
    assert cloud.app.head() == head
    assert client.delete(f"{TRUSTS}/{trust['id']}", headers=trustor).status_code == 204
    assert client.get(f"{TRUSTS}/{trust['id']}", headers=trustor).status_code == 404
