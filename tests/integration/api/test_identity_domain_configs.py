"""Keystone's domain-specific configuration through the API (admins only): Keystone's
defaults, and a domain's configuration set, read, merged and taken apart at each level."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud

V3 = "/identity/v3"
CONFIG = {"identity": {"driver": "ldap"},
          "ldap": {"url": "ldap://example.com/", "password": "hidden"}}


def domain_url(client: TestClient, admin: dict[str, str]) -> str:
    created = client.post(f"{V3}/domains", json={"domain": {"name": "acme"}}, headers=admin)
    assert created.status_code == 201, created.text
    return f"{V3}/domains/{created.json()['domain']['id']}/config"


def config_of(client: TestClient, admin: dict[str, str], url: str) -> Any:
    response = client.get(url, headers=admin)
    return response.json()["config"] if response.status_code == 200 else response.status_code


def test_defaults(client: TestClient, admin: dict[str, str]) -> None:
    defaults = config_of(client, admin, f"{V3}/domains/config/default")
    assert set(defaults) == {"identity", "ldap"}
    assert config_of(client, admin, f"{V3}/domains/config/identity/default") == \
        {"identity": {"driver": "sql", "list_limit": None}}
    assert config_of(client, admin, f"{V3}/domains/config/ldap/url/default") == \
        {"url": "ldap://localhost"}
    assert client.get(f"{V3}/domains/config/nope/default", headers=admin).status_code == 400


def test_domain_config_lifecycle(client: TestClient, admin: dict[str, str],
                                 cloud: Cloud) -> None:
    url = domain_url(client, admin)
    assert config_of(client, admin, url) == 404
    created = client.put(url, json={"config": CONFIG}, headers=admin)
    assert created.status_code == 201, created.text
    shown = {"identity": {"driver": "ldap"}, "ldap": {"url": "ldap://example.com/"}}
    assert config_of(client, admin, url) == shown  # the password is never read back
    assert client.put(url, json={"config": CONFIG}, headers=admin).status_code == 200
    assert config_of(client, admin, f"{url}/ldap/url") == {"url": "ldap://example.com/"}
    patched = client.patch(f"{url}/identity", json={"config": {"identity": {
        "driver": "sql", "list_limit": 5}}}, headers=admin)
    assert patched.status_code == 200, patched.text
    assert config_of(client, admin, f"{url}/identity") == \
        {"identity": {"driver": "sql", "list_limit": 5}}
    assert client.patch(f"{url}/identity/driver", json={"config": {"driver": "x"}},
                        headers=admin).status_code == 200
    assert config_of(client, admin, f"{url}/identity/driver") == {"driver": "x"}
    head = cloud.app.head()
    for bad_url, body in ((url, {"config": {"nope": {"a": 1}}}),
                          (url, {"config": {"ldap": {"nope": 1}}}),
                          (f"{url}/identity", {"config": {"ldap": {"url": "x"}}}),
                          (f"{url}/identity/driver", {"config": {"list_limit": 1}})):
        assert client.patch(bad_url, json=body, headers=admin).status_code == 400, body
    assert client.put(url, json={"config": {}}, headers=admin).status_code == 400
    assert cloud.app.head() == head
    assert client.delete(f"{url}/identity/driver", headers=admin).status_code == 204
    assert config_of(client, admin, f"{url}/identity/driver") == 404
    assert client.delete(f"{url}/identity", headers=admin).status_code == 204
    assert config_of(client, admin, f"{url}/identity") == 404
    assert client.delete(url, headers=admin).status_code == 204
    assert config_of(client, admin, url) == 404
    assert client.delete(url, headers=admin).status_code == 404
    # Set again after deletion.
    assert client.put(url, json={"config": CONFIG}, headers=admin).status_code == 201
    assert config_of(client, admin, url) == shown
