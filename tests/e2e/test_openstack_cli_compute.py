"""The `openstack` CLI, as an operator types it, boots a server on the embedded test-driver host,
stops it, reads its console and event list, and deletes it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.server_process import Server, openstack


def test_server_lifecycle_through_the_cli(server: Server, tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    openstack(server, "image", "create", "--file", str(disk), "--disk-format", "raw",
              "--container-format", "bare", "cli-image")
    created = json.loads(openstack(server, "server", "create", "--flavor", "m1.tiny", "--image",
                                   "cli-image", "--nic", "none", "--wait", "-f", "json", "cli-vm"))
    assert created["status"] == "ACTIVE"
    openstack(server, "server", "stop", "cli-vm")
    shown = {}
    for _ in range(100):  # the worker records the stop asynchronously
        shown = json.loads(openstack(server, "server", "show", "-f", "json", "cli-vm"))
        if shown["status"] == "SHUTOFF":
            break
    assert shown["status"] == "SHUTOFF"
    events = json.loads(openstack(server, "server", "event", "list", "-f", "json", "cli-vm"))
    assert {e["Action"] for e in events} >= {"create", "stop"}
    openstack(server, "console", "log", "show", "cli-vm")
    openstack(server, "server", "delete", "--wait", "cli-vm")
    assert "cli-vm" not in openstack(server, "server", "list", "-f", "value", "-c", "Name")
