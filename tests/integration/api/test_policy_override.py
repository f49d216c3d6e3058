"""An operator's policy file overrides the defaults in code, rule by rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from tests.support.identity import make_member, password_token
from tests.support.settings import make_settings


@pytest.fixture
def locked_down(database_url: str, tmp_path: Path) -> Iterator[tuple[Cloud, TestClient]]:
    policy = tmp_path / "policy.yaml"
    # Only admins may list flavors; members may no longer import keypairs at all.
    policy.write_text('"os_compute_api:flavors:list": "rule:admin_api"\n'
                      '"os_compute_api:os-keypairs:create": "!"\n')
    cloud = build(make_settings(tmp_path / "data", database_url, policy_file=str(policy)),
                  follow=False)
    ensure_bootstrapped(cloud)
    with TestClient(create_app(cloud)) as client:
        yield cloud, client
    cloud.close()


def test_policy_file_overrides_the_defaults(locked_down: tuple[Cloud, TestClient]) -> None:
    cloud, client = locked_down
    make_member(cloud, "project-a", "alice")
    member = {"X-Auth-Token": password_token(client, "alice", "pw-alice", "project-a")}
    admin = {"X-Auth-Token": password_token(client, "admin", "admin-secret", "admin")}
    denied = client.get("/compute/v2.1/flavors", headers=member)
    assert denied.status_code == 403
    assert "os_compute_api:flavors:list" in denied.json()["forbidden"]["message"]
    assert client.get("/compute/v2.1/flavors", headers=admin).status_code == 200
    key = {"keypair": {"name": "k1"}}
    assert client.post("/compute/v2.1/os-keypairs", json=key, headers=member).status_code == 403
    assert client.post("/compute/v2.1/os-keypairs", json=key, headers=admin).status_code == 403
    # Rules the file does not name keep their defaults.
    assert client.get("/compute/v2.1/os-keypairs", headers=member).status_code == 200


def test_without_a_file_members_list_flavors(client: TestClient, member_a: dict[str, str]) -> None:
    response = client.get("/compute/v2.1/flavors", headers={"X-Auth-Token": member_a["token"]})
    assert response.status_code == 200
