"""The `openstack` CLI, as an operator types it, against a started server: a floating IP from the
external network added to a server, shown by `server show`, removed and released; a free port
created, listed and deleted. Nova's deprecated addFloatingIp action is driven through
openstacksdk's session at microversion 2.43, as an older client would send it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openstack

from tests.support.server_process import Server
from tests.support.server_process import openstack as cli


def as_json(server: Server, *args: str) -> Any:
    return json.loads(cli(server, *args, "-f", "json"))


def server_addresses(server: Server, name: str) -> str:
    # OSC prints `addresses` as a dict in JSON output, as text in older versions.
    return json.dumps(as_json(server, "server", "show", name)["addresses"])


def boot(server: Server, tmp_path: Path, name: str) -> dict[str, Any]:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    cli(server, "image", "create", "--file", str(disk), "--disk-format", "raw",
        "--container-format", "bare", f"{name}-image")
    created = as_json(server, "--os-compute-api-version", "2.37", "server", "create",
                      "--flavor", "m1.tiny", "--image", f"{name}-image", "--nic", "auto",
                      "--wait", name)
    assert created["status"] == "ACTIVE"
    return dict(created)


def test_floating_ip_through_the_cli(server: Server, tmp_path: Path) -> None:
    boot(server, tmp_path, "fip-vm")
    [external] = as_json(server, "network", "list", "--external")
    fip = as_json(server, "floating", "ip", "create", external["Name"])
    address = fip["floating_ip_address"]
    assert address.startswith("203.0.113.")
    cli(server, "server", "add", "floating", "ip", "fip-vm", address)
    assert address in server_addresses(server, "fip-vm")
    listed = as_json(server, "floating", "ip", "show", address)
    assert listed["port_id"] and listed["fixed_ip_address"]
    cli(server, "server", "remove", "floating", "ip", "fip-vm", address)
    assert address not in server_addresses(server, "fip-vm")
    cli(server, "floating", "ip", "delete", address)
    addresses = [f["Floating IP Address"] for f in as_json(server, "floating", "ip", "list")]
    assert address not in addresses
    cli(server, "server", "delete", "--wait", "fip-vm")


def test_port_through_the_cli(server: Server, tmp_path: Path) -> None:
    cli(server, "network", "create", "cli-net")
    port = as_json(server, "port", "create", "--network", "cli-net", "p1")
    assert port["name"] == "p1" and port["status"] == "DOWN"
    names = [p["Name"] for p in as_json(server, "port", "list")]
    assert "p1" in names
    cli(server, "port", "delete", "p1")
    assert "p1" not in [p["Name"] for p in as_json(server, "port", "list")]
    cli(server, "network", "delete", "cli-net")


def test_nova_floating_ip_action_below_2_44(server: Server, conn: openstack.connection.Connection,
                                            tmp_path: Path) -> None:
    vm = boot(server, tmp_path, "nova-fip-vm")
    address = as_json(server, "floating", "ip", "create", "public")["floating_ip_address"]
    path = f"/servers/{vm['id']}/action"
    gone = conn.compute.post(path, json={"addFloatingIp": {"address": address}},
                             microversion="2.44")
    assert gone.status_code == 404
    added = conn.compute.post(path, json={"addFloatingIp": {"address": address}},
                              microversion="2.43")
    assert added.status_code == 202, added.text
    assert address in server_addresses(server, "nova-fip-vm")
    removed = conn.compute.post(path, json={"removeFloatingIp": {"address": address}},
                                microversion="2.43")
    assert removed.status_code == 202, removed.text
    assert address not in server_addresses(server, "nova-fip-vm")
    cli(server, "floating", "ip", "delete", address)
    cli(server, "server", "delete", "--wait", "nova-fip-vm")
