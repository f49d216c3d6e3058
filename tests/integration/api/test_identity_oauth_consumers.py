"""Keystone's OS-OAUTH1 consumers through the API (admins only): the secret is shown once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud

URL = "/identity/v3/OS-OAUTH1/consumers"


def test_consumer_lifecycle(client: TestClient, admin: dict[str, str],
                            member_a: dict[str, str], cloud: Cloud) -> None:
    created = client.post(URL, json={"consumer": {"description": "d", "color": "red"}},
                          headers=admin)
    assert created.status_code == 201, created.text
    consumer = created.json()["consumer"]
    assert consumer["secret"] and (consumer["description"], consumer["color"]) == ("d", "red")
    shown = client.get(f"{URL}/{consumer['id']}", headers=admin).json()["consumer"]
    assert "secret" not in shown
    assert shown == {k: v for k, v in consumer.items() if k != "secret"}
    updated = client.patch(f"{URL}/{consumer['id']}", json={"consumer": {"description": "e"}},
                           headers=admin)
    assert updated.status_code == 200, updated.text
    assert (updated.json()["consumer"]["description"], updated.json()["consumer"]["color"]) \
        == ("e", "red")
    assert client.get(f"{URL}/{consumer['id']}", headers=admin).json()["consumer"] \
        == updated.json()["consumer"]
    assert [c["id"] for c in client.get(URL, headers=admin).json()["consumers"]] \
        == [consumer["id"]]
    head = cloud.app.head()
    for bad in ({"secret": "mine"}, {}, {"description": 5}):
        assert client.patch(f"{URL}/{consumer['id']}", json={"consumer": bad},
                            headers=admin).status_code == 400, bad
    assert client.post(URL, json={"consumer": {}},
                       headers={"X-Auth-Token": member_a["token"]}).status_code == 403
    assert client.patch(f"{URL}/nope", json={"consumer": {"description": "x"}},
                        headers=admin).status_code == 404
    assert cloud.app.head() == head
    assert client.delete(f"{URL}/{consumer['id']}", headers=admin).status_code == 204
    assert client.get(f"{URL}/{consumer['id']}", headers=admin).status_code == 404
    assert client.delete(f"{URL}/{consumer['id']}", headers=admin).status_code == 404
