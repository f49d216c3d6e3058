"""Compute flavors through the API: defaults, admin management, private access, bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_default_flavors_are_seeded(client: TestClient, member_a: dict[str, str]) -> None:
    response = client.get(
        "/compute/v2.1/flavors/detail", headers={"X-Auth-Token": member_a["token"]}
    )
    assert response.status_code == 200
    flavors = {f["name"]: f for f in response.json()["flavors"]}
    assert list(flavors) == ["m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"]
    assert (flavors["m1.tiny"]["ram"], flavors["m1.tiny"]["vcpus"], flavors["m1.tiny"]["disk"]) == (
        512,
        1,
        1,
    )
    assert flavors["m1.xlarge"]["ram"] == 16384


def test_admin_creates_private_flavor_visible_only_with_access(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    body = {
        "flavor": {
            "name": "gold",
            "ram": 1024,
            "vcpus": 2,
            "disk": 10,
            "id": "gold",
            "os-flavor-access:is_public": False,
        }
    }
    assert client.post("/compute/v2.1/flavors", json=body, headers=admin).status_code == 200
    action = {"addTenantAccess": {"tenant": member_a["project_id"]}}
    granted = client.post("/compute/v2.1/flavors/gold/action", json=action, headers=admin)
    assert granted.status_code == 200, granted.text
    a = client.get("/compute/v2.1/flavors/gold", headers={"X-Auth-Token": member_a["token"]})
    b = client.get("/compute/v2.1/flavors/gold", headers={"X-Auth-Token": member_b["token"]})
    assert a.status_code == 200 and a.json()["flavor"]["ram"] == 1024
    assert b.status_code == 404 and "itemNotFound" in b.json()


def test_member_cannot_create_flavor(client: TestClient, member_a: dict[str, str]) -> None:
    body = {"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 1}}
    response = client.post(
        "/compute/v2.1/flavors", json=body, headers={"X-Auth-Token": member_a["token"]}
    )
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"].startswith("Policy doesn't allow")


def test_bad_flavor_input_is_400_and_changes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = client.get("/compute/v2.1/flavors", headers=admin).json()
    for bad in (
        {"name": "x", "ram": -1, "vcpus": 1, "disk": 1},
        {"name": "x", "ram": "lots", "vcpus": 1, "disk": 1},
        {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "colour": "red"},
        {"name": "", "ram": 1, "vcpus": 1, "disk": 1},
        {"name": "x" * 300, "ram": 1, "vcpus": 1, "disk": 1},
    ):
        response = client.post("/compute/v2.1/flavors", json={"flavor": bad}, headers=admin)
        assert response.status_code == 400, bad
        assert response.json()["badRequest"]["code"] == 400
    assert client.get("/compute/v2.1/flavors", headers=admin).json() == before


def test_duplicate_flavor_name_conflicts(client: TestClient, admin: dict[str, str]) -> None:
    body = {"flavor": {"name": "m1.tiny", "ram": 1, "vcpus": 1, "disk": 1}}
    response = client.post("/compute/v2.1/flavors", json=body, headers=admin)
    assert response.status_code == 409


def test_extra_specs_and_delete(client: TestClient, admin: dict[str, str]) -> None:
    specs = {"extra_specs": {"hw:cpu_policy": "dedicated"}}
    assert (
        client.post("/compute/v2.1/flavors/1/os-extra_specs", json=specs, headers=admin).status_code
        == 200
    )
    shown = client.get("/compute/v2.1/flavors/1", headers=admin).json()["flavor"]
    assert shown["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert client.delete("/compute/v2.1/flavors/1", headers=admin).status_code == 202
    assert client.get("/compute/v2.1/flavors/1", headers=admin).status_code == 404
