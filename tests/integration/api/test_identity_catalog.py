"""The service catalog as data: regions, services and endpoints CRUD, and the token's catalog
built from them (the bootstrap's entries give the catalog tokens always carried)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from domain.base import natural_id
from ops.bootstrap import Cloud

V3 = "/identity/v3"
BASE = "http://testserver"
# The catalog of a project-scoped token before the catalog became data (api/catalog.py then).
SEEDED = (("identity", "keystone", "/identity"), ("compute", "nova", "/compute/v2.1"),
          ("image", "glance", "/image"), ("volumev3", "cinderv3", "/volume/v3/{p}"),
          ("block-storage", "cinder", "/volume/v3/{p}"), ("network", "neutron", "/network"),
          ("ec2", "ec2", "/ec2"))


def expected_catalog(project_id: str | None) -> list[dict[str, Any]]:
    return [{"type": kind, "name": name, "id": natural_id("service", kind).hex,
             "endpoints": [{"id": natural_id("endpoint", kind, iface).hex, "interface": iface,
                            "region": "RegionOne", "region_id": "RegionOne",
                            "url": BASE + path.format(p=project_id)}
                           for iface in ("public", "internal", "admin")]}
            for kind, name, path in SEEDED if project_id or "{p}" not in path]


def token(client: TestClient, query: str = "", project: bool = True,
          user: str = "admin", password: str = "admin-secret") -> Any:
    auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}}}
    if project:
        auth["scope"] = {"project": {"name": "admin", "domain": {"id": "default"}}}
    response = client.post(f"{V3}/auth/tokens{query}", json={"auth": auth})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def test_the_seeded_catalog_is_the_one_tokens_always_carried(client: TestClient,
                                                             admin: dict[str, str]) -> None:
    body = token(client)
    assert body["catalog"] == expected_catalog(body["project"]["id"])
    # A user without a default project gets an unscoped token: Keystone gives it no catalog.
    assert client.post(f"{V3}/users", json={"user": {"name": "u", "password": "pw"}},
                       headers=admin).status_code == 201
    unscoped = token(client, project=False, user="u", password="pw")
    assert "project" not in unscoped and "catalog" not in unscoped
    # The same seeds without the per-project endpoints, for a system-scoped token.
    system = client.post(f"{V3}/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": "admin-secret"}}},
        "scope": {"system": {"all": True}}}}).json()["token"]
    assert system["catalog"] == expected_catalog(None)
    assert "catalog" not in token(client, "?nocatalog")


def test_regions_services_and_endpoints(client: TestClient, admin: dict[str, str],
                                        cloud: Cloud) -> None:
    def call(method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = client.request(method, f"{V3}/{path}", json=body, headers=admin)
        assert response.status_code == status, (method, path, response.text)
        return response.json() if response.content else None

    region = call("PUT", "regions/Edge", {"region": {"description": "far"}}, 201)["region"]
    assert (region["id"], region["description"], region["parent_region_id"]) == \
        ("Edge", "far", None)
    call("PUT", "regions/Edge", {"region": {}}, 409)
    child = call("POST", "regions", {"region": {"parent_region_id": "Edge"}}, 201)["region"]
    assert [r["id"] for r in call("GET", "regions?parent_region_id=Edge")["regions"]] == \
        [child["id"]]
    service = call("POST", "services", {"service": {"type": "dns", "name": "designate"}},
                   201)["service"]
    assert call("GET", "services?type=dns")["services"] == [service]
    call("PATCH", f"services/{service['id']}", {"service": {"description": "names"}})
    head = cloud.app.head()
    for bad in ({"service_id": service["id"], "interface": "sideways", "url": "http://x"},
                {"service_id": "0" * 32, "interface": "public", "url": "http://x"},
                {"service_id": service["id"], "interface": "public", "url": "http://x",
                 "region_id": "Nowhere"},
                {"service_id": service["id"], "interface": "public", "url": "http://x",
                 "enabled": "True"}):
        call("POST", "endpoints", {"endpoint": bad}, 400)
    assert cloud.app.head() == head
    endpoint = call("POST", "endpoints", {"endpoint": {
        "service_id": service["id"], "interface": "public",
        "url": "http://dns.example/$(project_id)s", "region": "Far"}}, 201)["endpoint"]
    assert (endpoint["region"], endpoint["region_id"]) == ("Far", "Far")
    assert call("GET", "regions/Far")["region"]["id"] == "Far"  # made by the legacy name
    body = token(client)
    [dns] = [s for s in body["catalog"] if s["type"] == "dns"]
    assert dns["endpoints"][0]["url"] == f"http://dns.example/{body['project']['id']}"
    moved = call("PATCH", f"endpoints/{endpoint['id']}", {"endpoint": {
        "enabled": False, "region": "Farther"}})["endpoint"]
    assert moved["region"] == "Farther" and call("GET", "regions/Farther")["region"]
    assert [s for s in token(client)["catalog"] if s["type"] == "dns"] == []
    call("DELETE", f"services/{service['id']}", status=204)
    call("GET", f"endpoints/{endpoint['id']}", status=404)
    call("DELETE", "regions/Edge", status=204)
    call("GET", "regions/Edge", status=404)
    assert call("GET", "endpoints?interface=admin")["endpoints"][0]["url"].startswith(BASE)
