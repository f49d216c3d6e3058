"""The walking skeleton through openstacksdk and the `openstack` CLI against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openstack
import pytest
from openstack import exceptions

from tests.support.server_process import Server


def test_first_start_wrote_a_working_clouds_yaml(
    server: Server, conn: openstack.connection.Connection
) -> None:
    assert server.clouds_yaml.stat().st_mode & 0o077 == 0, "clouds.yaml holds a password"
    assert "generated admin password (shown once)" in server.log.read_text()
    token = conn.session.get_token()
    assert token and conn.current_project["name"] == "admin"
    catalog_types = {
        entry["type"]
        for entry in conn.session.auth.get_access(conn.session).service_catalog.catalog
    }
    assert {"identity", "compute", "image", "volumev3", "network"} <= catalog_types


def test_flavors_through_sdk(conn: openstack.connection.Connection) -> None:
    names = [f.name for f in conn.compute.flavors()]
    assert names[:5] == ["m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"]
    created = conn.compute.create_flavor(
        name="e2e.custom", ram=256, vcpus=1, disk=2, is_public=False
    )
    assert conn.compute.get_flavor(created.id).ram == 256
    conn.compute.delete_flavor(created.id)
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.get_flavor(created.id)


def test_openstack_cli_flavor_list(server: Server) -> None:
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(server.clouds_yaml)}
    cli = Path(sys.executable).with_name("openstack")
    result = subprocess.run(
        [str(cli), "--os-cloud", "skyledger", "flavor", "list", "-f", "value", "-c", "Name"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"]


def test_request_id_header_and_token_revocation(
    server: Server, conn: openstack.connection.Connection
) -> None:
    import httpx

    token = conn.session.get_token()
    other = server.connect()
    other_token = other.session.get_token()
    response = httpx.get(
        f"{server.url}/compute/v2.1/flavors", headers={"X-Auth-Token": other_token}
    )
    assert response.status_code == 200
    assert response.headers["X-Openstack-Request-Id"].startswith("req-")
    revoke = httpx.delete(
        f"{server.url}/identity/v3/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": other_token},
    )
    assert revoke.status_code == 204
    after = httpx.get(f"{server.url}/compute/v2.1/flavors", headers={"X-Auth-Token": other_token})
    assert after.status_code == 401
    tampered = other_token[:-2] + ("AA" if not other_token.endswith("AA") else "BB")
    assert (
        httpx.get(
            f"{server.url}/compute/v2.1/flavors", headers={"X-Auth-Token": tampered}
        ).status_code
        == 401
    )
