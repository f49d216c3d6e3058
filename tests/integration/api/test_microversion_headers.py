"""Microversion headers on every Compute and Block Storage response, as Nova's and Cinder's wsgi
layers set them (api/middleware.py): successes, errors and version documents alike."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.testclient import TestClient

from api.discovery import COMPUTE_MAX
from tests.support.volumes_api import Volumes

NOVA_VARY = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"


def nova_headers(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}",
            "X-OpenStack-Nova-API-Version": version, "Vary": NOVA_VARY}


def echoed(response_headers: Mapping[str, str], expected: dict[str, str]) -> bool:
    return all(response_headers.get(name) == value for name, value in expected.items())


def test_every_compute_response_echoes_the_version(client: TestClient,
                                                    admin: dict[str, str]) -> None:
    body = {"flavor": {"name": "echo", "ram": 64, "vcpus": 1, "disk": 1, "id": "echo"}}
    answers = [client.post("/compute/v2.1/flavors", json=body, headers=admin)]
    answers += [client.get(f"/compute/v2.1/{path}", headers=admin)
                for path in ("flavors", "flavors/detail", "flavors/echo", "os-availability-zone",
                             "os-hypervisors/statistics", "")]
    missing = client.get("/compute/v2.1/flavors/nothing", headers=admin)
    assert [a.status_code for a in answers] == [200] * 7 and missing.status_code == 404
    for answer in [*answers, missing]:
        assert echoed(answer.headers, nova_headers("2.1")), answer.url
    newest = client.get("/compute/v2.1/flavors", headers={**admin, "OpenStack-API-Version":
                                                          "compute latest"})
    assert echoed(newest.headers, nova_headers(COMPUTE_MAX))
    legacy = client.get("/compute/v2.1/flavors/echo",
                        headers={**admin, "X-OpenStack-Nova-API-Version": "2.55"})
    assert echoed(legacy.headers, nova_headers("2.55"))
    gone = client.delete("/compute/v2.1/flavors/echo",
                         headers={**admin, "OpenStack-API-Version": "compute 2.2"})
    assert gone.status_code == 202 and echoed(gone.headers, nova_headers("2.2"))


def test_a_refused_compute_version_is_not_echoed(client: TestClient,
                                                 admin: dict[str, str]) -> None:
    for version, status in (("2.999", 406), ("2.01", 400)):
        response = client.get("/compute/v2.1/limits",
                              headers={**admin, "OpenStack-API-Version": f"compute {version}"})
        assert response.status_code == status
        assert "X-OpenStack-Nova-API-Version" not in response.headers


def test_every_volume_response_echoes_the_version(client: TestClient, volumes: Volumes,
                                                  member_a: dict[str, str]) -> None:
    auth = {"X-Auth-Token": member_a["token"]}
    for asked, echo in ((None, "3.0"), ("volume 3.55", "3.55"), ("volume latest", "3.70")):
        headers = auth if asked is None else {**auth, "OpenStack-API-Version": asked}
        for response in (client.get(volumes.url(member_a), headers=headers),
                         client.get(volumes.url(member_a, "volumes/nothing"), headers=headers),
                         client.get("/volume/v3/", headers=headers)):
            assert response.headers["OpenStack-API-Version"] == f"volume {echo}", response.url
            assert response.headers["Vary"] == "OpenStack-API-Version"
    made = volumes.create(member_a, size=1)
    assert made.status_code == 202
    assert made.headers["OpenStack-API-Version"] == "volume 3.0"


def test_volume_versions_name_their_media_types(client: TestClient) -> None:
    listed = client.get("/volume/").json()["versions"]
    shown = client.get("/volume/v3/").json()["versions"]  # Cinder's shape: a list here too
    for version in (*listed, *shown):
        assert version["media-types"] == [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}]


def test_other_services_carry_no_microversion(client: TestClient) -> None:
    for path in ("/identity/v3/", "/image/", "/network/v2.0/", "/compute/"):
        assert "OpenStack-API-Version" not in client.get(path).headers, path
