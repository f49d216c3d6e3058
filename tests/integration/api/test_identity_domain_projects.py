"""Projects acting as domains (Keystone's `is_domain`): made, listed, shown, updated and
deleted through `/projects`, and the same entity through `/domains`."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud

V3 = "/identity/v3"


def test_a_project_acting_as_a_domain_is_that_domain(client: TestClient,
                                                     admin: dict[str, str]) -> None:
    response = client.post(f"{V3}/projects", headers=admin, json={
        "project": {"name": "dp", "description": "d", "is_domain": True, "tags": ["t"]}})
    assert response.status_code == 201, response.text
    project = response.json()["project"]
    assert {k: project[k] for k in ("name", "description", "is_domain", "domain_id",
                                    "parent_id", "enabled", "tags")} == {
        "name": "dp", "description": "d", "is_domain": True, "domain_id": None,
        "parent_id": None, "enabled": True, "tags": ["t"]}
    pid = project["id"]
    domain = client.get(f"{V3}/domains/{pid}", headers=admin).json()["domain"]
    assert (domain["name"], domain["description"]) == ("dp", "d")
    assert client.get(f"{V3}/projects/{pid}", headers=admin).json() == {"project": project}
    as_domains = client.get(f"{V3}/projects?is_domain=true", headers=admin).json()["projects"]
    assert [p["id"] for p in as_domains] == ["default", pid]
    assert all(p["is_domain"] for p in as_domains)
    plain = client.get(f"{V3}/projects", headers=admin).json()["projects"]
    assert pid not in {p["id"] for p in plain} and not any(p["is_domain"] for p in plain)
    assert client.get(f"{V3}/projects?is_domain=maybe", headers=admin).status_code == 400
    # A project made in that domain lies in it.
    inner = client.post(f"{V3}/projects", headers=admin,
                        json={"project": {"name": "in", "domain_id": pid}}).json()["project"]
    assert (inner["domain_id"], inner["parent_id"]) == (pid, pid)


def test_update_and_delete_go_to_the_domain(client: TestClient, admin: dict[str, str],
                                            cloud: Cloud) -> None:
    pid = client.post(f"{V3}/projects", headers=admin, json={
        "project": {"name": "dp", "is_domain": True}}).json()["project"]["id"]
    url = f"{V3}/projects/{pid}"
    head = cloud.app.head()
    for bad in ({"is_domain": False}, {"parent_id": "default"}, {"id": "other"}):
        response = client.patch(url, json={"project": bad}, headers=admin)
        assert response.status_code == 400, (bad, response.text)
    assert client.delete(url, headers=admin).status_code == 403  # an enabled domain
    assert cloud.app.head() == head
    patched = client.patch(url, json={"project": {"enabled": False, "name": "dq"}},
                           headers=admin)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["project"]["enabled"], patched.json()["project"]["name"]) == (
        False, "dq")
    assert client.get(f"{V3}/domains/{pid}", headers=admin).json()["domain"]["name"] == "dq"
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    assert client.get(f"{V3}/domains/{pid}", headers=admin).status_code == 404
