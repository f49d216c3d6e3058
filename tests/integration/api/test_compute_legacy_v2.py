"""Nova's v2.0 endpoint (api/legacy_v2.py): listed first, documented, and answering the same
API as v2.1 at 2.1, without microversion headers, whatever version a request asks for."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_v20_is_listed_first_and_its_link_leads_to_its_document(client: TestClient) -> None:
    versions = client.get("/compute/").json()["versions"]
    assert [v["id"] for v in versions] == ["v2.0", "v2.1"]
    for listed in versions:
        href = listed["links"][0]["href"]
        path = href[href.index("/compute/"):]
        shown = client.get(path)
        assert shown.status_code == 200
        assert shown.json()["version"]["links"] == listed["links"]
    legacy = versions[0]
    assert (legacy["version"], legacy["min_version"]) == ("", "")


def test_v20_answers_as_v21_at_2_1_without_version_headers(client: TestClient,
                                                             admin: dict[str, str]) -> None:
    body = {"flavor": {"name": "legacy", "ram": 64, "vcpus": 1, "disk": 1, "id": "legacy"}}
    created = client.post("/compute/v2/flavors", json=body, headers=admin)
    assert created.status_code == 200
    # Asked for 2.55 (which adds `description`), answered at 2.1: no description, no headers.
    asked = {**admin, "OpenStack-API-Version": "compute 2.55"}
    shown = client.get("/compute/v2/flavors/legacy", headers=asked)
    assert shown.status_code == 200 and "description" not in shown.json()["flavor"]
    assert "OpenStack-API-Version" not in shown.headers
    assert "X-OpenStack-Nova-API-Version" not in shown.headers
    assert "Vary" not in shown.headers
    # The same flavor, through v2.1 at 2.55, has one: it is one API.
    current = client.get("/compute/v2.1/flavors/legacy", headers=asked)
    assert current.json()["flavor"]["description"] is None
    assert current.headers["X-OpenStack-Nova-API-Version"] == "2.55"
    missing = client.get("/compute/v2/flavors/nothing", headers=admin)
    assert missing.status_code == 404 and "itemNotFound" in missing.json()
