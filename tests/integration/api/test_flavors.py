"""Compute flavors through the API: defaults, admin management, private access, bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.compute_api import auth


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
    # Nova's FlavorAccessExists is a 409, its FlavorAccessNotFound a 404
    again = client.post("/compute/v2.1/flavors/gold/action", json=action, headers=admin)
    assert again.status_code == 409 and "conflictingRequest" in again.json()
    absent = {"removeTenantAccess": {"tenant": member_b["project_id"]}}
    gone = client.post("/compute/v2.1/flavors/gold/action", json=absent, headers=admin)
    assert gone.status_code == 404 and "itemNotFound" in gone.json()


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
    shown = client.get("/compute/v2.1/flavors/1", headers=auth(admin, "2.61")).json()["flavor"]
    assert shown["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    # Before 2.61 a flavor shows no extra specs, before 2.55 no description (Nova's schemas).
    older = client.get("/compute/v2.1/flavors/1", headers=auth(admin, "2.54")).json()["flavor"]
    assert "extra_specs" not in older and "description" not in older
    assert "description" in client.get("/compute/v2.1/flavors/1",
                                       headers=auth(admin, "2.55")).json()["flavor"]
    assert client.delete("/compute/v2.1/flavors/1", headers=admin).status_code == 202
    assert client.get("/compute/v2.1/flavors/1", headers=admin).status_code == 404


def test_flavor_id_may_be_a_number_or_absent(client: TestClient, admin: dict[str, str]) -> None:
    """Nova takes a string, a number or null for `id` and answers with a string (a uuid when
    none is given); Tempest creates its flavors with integer ids."""
    def create(name: str, **flavor_id: object) -> dict[str, object]:
        body = {"flavor": {"name": name, "ram": 64, "vcpus": 1, "disk": 1, **flavor_id}}
        response = client.post("/compute/v2.1/flavors", json=body, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()["flavor"]  # type: ignore[no-any-return]

    assert create("int", id=1234)["id"] == "1234"
    assert client.get("/compute/v2.1/flavors/1234", headers=admin).json()["flavor"]["name"] == "int"
    assert create("float", id=12.5)["id"] == "12.5"
    generated = [create("null", id=None)["id"], create("absent")["id"]]
    assert all(len(str(flavor_id)) == 36 for flavor_id in generated)
    refused = [{"id": True}, {"id": ""}, {"id": [1]}, {"id": "a/b"}]
    for bad in refused:
        body = {"flavor": {"name": "bad", "ram": 64, "vcpus": 1, "disk": 1, **bad}}
        assert client.post("/compute/v2.1/flavors", json=body, headers=admin).status_code == 400
