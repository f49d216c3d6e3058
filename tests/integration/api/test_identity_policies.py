"""Keystone's `/policies` blobs through the API (admins only)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud

URL = "/identity/v3/policies"


def test_policy_blobs(client: TestClient, admin: dict[str, str], member_a: dict[str, str],
                      cloud: Cloud) -> None:
    created = client.post(URL, json={"policy": {"blob": "{}", "type": "application/json"}},
                          headers=admin)
    assert created.status_code == 201, created.text
    policy = created.json()["policy"]
    updated = client.patch(f"{URL}/{policy['id']}", json={"policy": {"type": "text/plain"}},
                           headers=admin).json()["policy"]
    assert (updated["blob"], updated["type"]) == ("{}", "text/plain")
    assert client.get(f"{URL}/{policy['id']}", headers=admin).json()["policy"] == updated
    assert [p["id"] for p in client.get(URL, headers=admin).json()["policies"]] == [policy["id"]]
    head = cloud.app.head()
    assert client.post(URL, json={"policy": {"blob": "x"}}, headers=admin).status_code == 400
    assert client.post(URL, json={"policy": {"blob": "x", "type": "t"}},
                       headers={"X-Auth-Token": member_a["token"]}).status_code == 403
    assert cloud.app.head() == head
    assert client.delete(f"{URL}/{policy['id']}", headers=admin).status_code == 204
    assert client.get(f"{URL}/{policy['id']}", headers=admin).status_code == 404


def test_a_policy_s_extra_attributes_show_back(client: TestClient, admin: dict[str, str]) -> None:
    """Keystone keeps attributes it does not know and shows them on GET (the read model decodes
    them once)."""
    body = {"policy": {"blob": "{}", "type": "application/json", "owner": "ops"}}
    created = client.post(URL, json=body, headers=admin)
    assert created.status_code == 201, created.text
    policy_id = created.json()["policy"]["id"]
    shown = client.get(f"{URL}/{policy_id}", headers=admin)
    assert shown.status_code == 200, shown.text
    assert shown.json()["policy"]["owner"] == "ops"
    assert [p.get("owner") for p in client.get(URL, headers=admin).json()["policies"]] == ["ops"]
