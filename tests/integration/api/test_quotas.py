"""Compute quota sets through the API: show/defaults/detail per microversion, update, revert."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.identity import make_member, password_token
from tests.support.keypairs_api import NOVA_KEY, headers

QS = "/compute/v2.1/os-quota-sets"
LEGACY = {"fixed_ips", "floating_ips", "security_groups", "security_group_rules"}
PERSONALITY = {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"}
MODERN = {"instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
          "server_group_members"}


def put(client: TestClient, who: dict[str, str], project: str, values: dict[str, Any],
        version: str | None = None) -> Any:
    return client.put(f"{QS}/{project}", json={"quota_set": values}, headers=headers(who, version))


def test_show_keys_follow_the_microversion(client: TestClient, member_a: dict[str, str]) -> None:
    who, project = headers(member_a["token"]), member_a["project_id"]
    expect = {"2.1": MODERN | LEGACY | PERSONALITY, "2.35": MODERN | LEGACY | PERSONALITY,
              "2.36": MODERN | PERSONALITY, "2.56": MODERN | PERSONALITY, "2.57": MODERN,
              "2.61": MODERN}
    for version, keys in expect.items():
        body = client.get(f"{QS}/{project}", headers=headers(who, version)).json()["quota_set"]
        assert set(body) == keys | {"id"}, version
        assert body["id"] == project
    body = client.get(f"{QS}/{project}", headers=who).json()["quota_set"]
    assert (body["instances"], body["cores"], body["ram"]) == (10, 20, 51200)
    assert body["key_pairs"] == 100 and body["metadata_items"] == 128
    assert (body["fixed_ips"], body["floating_ips"], body["security_groups"]) == (-1, 10, 10)
    assert body["security_group_rules"] == 100 and body["server_group_members"] == 10


def test_defaults_and_detail(client: TestClient, member_a: dict[str, str]) -> None:
    token, project = member_a["token"], member_a["project_id"]
    client.post("/compute/v2.1/os-keypairs", headers=headers(token),
                json={"keypair": {"name": "k", "public_key": NOVA_KEY}})
    defaults = client.get(f"{QS}/{project}/defaults", headers=headers(token)).json()["quota_set"]
    assert defaults["key_pairs"] == 100 and defaults["id"] == project
    detail = client.get(f"{QS}/{project}/detail", headers=headers(token, "2.57")).json()
    assert set(detail["quota_set"]) == MODERN | {"id"}
    assert detail["quota_set"]["key_pairs"] == {"limit": 100, "in_use": 1, "reserved": 0}
    assert detail["quota_set"]["instances"] == {"limit": 10, "in_use": 0, "reserved": 0}


def test_admin_updates_and_reverts(client: TestClient, admin: dict[str, str],
                                   member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    response = put(client, admin, project, {"instances": 5, "cores": "8", "ram": -1})
    assert response.status_code == 200, response.text
    body = response.json()["quota_set"]
    assert "id" not in body and (body["instances"], body["cores"], body["ram"]) == (5, 8, -1)
    shown = client.get(f"{QS}/{project}", headers=headers(member_a["token"])).json()["quota_set"]
    assert (shown["instances"], shown["cores"], shown["ram"]) == (5, 8, -1)
    assert client.get(f"{QS}/{project}/defaults", headers=admin).json()["quota_set"]["cores"] == 20
    reverted = client.delete(f"{QS}/{project}", headers=admin)
    assert reverted.status_code == 202
    shown = client.get(f"{QS}/{project}", headers=admin).json()["quota_set"]
    assert (shown["instances"], shown["cores"], shown["ram"]) == (10, 20, 51200)


def test_below_usage_needs_force(client: TestClient, admin: dict[str, str],
                                 member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    for name in ("a", "b"):
        client.post("/compute/v2.1/os-keypairs", headers=headers(member_a["token"]),
                    json={"keypair": {"name": name, "public_key": NOVA_KEY}})
    refused = put(client, admin, project, {"key_pairs": 1, "instances": 3})
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"] == (
        "Quota limit 1 for key_pairs must be greater than or equal to already used and "
        "reserved 2.")
    assert client.get(f"{QS}/{project}", headers=admin).json()["quota_set"]["instances"] == 10
    forced = put(client, admin, project, {"key_pairs": 1, "force": "True"})
    assert forced.status_code == 200 and forced.json()["quota_set"]["key_pairs"] == 1


def test_bad_updates_are_400_and_change_nothing(client: TestClient, cloud: Cloud,
                                                admin: dict[str, str]) -> None:
    pid = admin_project(cloud)
    head = cloud.app.head()
    bad: list[tuple[str | None, Any]] = [
        (None, {"instances": -2}), (None, {"instances": "ten"}), (None, {"instances": 1.5}),
        (None, {"instances": True}), (None, {"instances": None}), (None, {"instances": 2**31}),
        (None, {"instances": "1.0"}), (None, {"networks": 3}), (None, {"volumes": 3}),
        (None, {"widgets": 3}), (None, {"force": "maybe"}), ("2.36", {"floating_ips": 3}),
        ("2.57", {"injected_files": 3}), (None, []), (None, "x"),
    ]
    for version, values in bad:
        response = put(client, admin, pid, values, version)
        assert response.status_code == 400, (values, response.text)
        assert response.json()["badRequest"]["code"] == 400
    assert client.put(f"{QS}/{pid}", json={"instances": 3}, headers=admin).status_code == 400
    assert client.put(f"{QS}/{pid}", json={"quota_set": {}, "x": 1},
                      headers=admin).status_code == 400
    assert client.put(f"{QS}/{pid}", content=b"{", headers=admin).status_code == 400
    assert put(client, admin, pid, {"instances": 1}, "2.999").status_code == 406  # above max
    assert put(client, admin, pid, {"instances": 1}, "two").status_code == 400
    assert cloud.app.head() == head


def admin_project(cloud: Cloud) -> str:
    row = cloud.store.query_one("SELECT id FROM projects WHERE name = ?", ("admin",))
    assert row is not None
    return str(row["id"])


def test_cross_project_isolation(client: TestClient, cloud: Cloud, admin: dict[str, str],
                                 member_a: dict[str, str], member_b: dict[str, str]) -> None:
    a, b = member_a["project_id"], member_b["project_id"]
    denied = client.get(f"{QS}/{b}", headers=headers(member_a["token"]))
    assert denied.status_code == 403 and "forbidden" in denied.json()
    assert client.get(f"{QS}/{b}/detail", headers=headers(member_a["token"])).status_code == 403
    assert client.get(f"{QS}/{b}", headers=admin).status_code == 200
    assert put(client, {"X-Auth-Token": member_a["token"]}, a, {"instances": 50}).status_code == 403
    assert client.delete(f"{QS}/{a}", headers=headers(member_a["token"])).status_code == 403
    reader = make_member(cloud, "project-r", "rita", role="reader")
    token = password_token(client, "rita", reader["password"], "project-r")
    assert client.get(f"{QS}/{reader['project_id']}", headers=headers(token)).status_code == 200
    assert client.get(f"{QS}/{a}", headers=headers(token)).status_code == 403


def test_unknown_project_is_400_for_admins(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get(f"{QS}/no-such-project", headers=admin)
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == (
        "Project ID no-such-project is not a valid project.")
    assert put(client, admin, "no-such-project", {"instances": 1}).status_code == 400
