"""Servers through openstacksdk against a real `skyledger serve`: boot, wait for ACTIVE, stop,
start, list actions, delete; server groups and the admin host views.

ACTIVE, SHUTOFF and the deletion are the embedded compute worker's doing: `skyledger serve`
runs one (ops/roles/compute.py) for `test:///default`, registered as this host.
"""

from __future__ import annotations

import openstack
import pytest
from openstack import exceptions

from tests.support.disk_images import tiny_qcow2


@pytest.fixture(scope="module")
def image_id(conn: openstack.connection.Connection) -> str:
    image = conn.image.create_image(name="e2e-guest", data=tiny_qcow2(b"tiny guest image"),
                                    disk_format="qcow2", container_format="bare",
                                    visibility="public", allow_duplicates=True)
    return str(image.id)


def test_server_lifecycle(conn: openstack.connection.Connection, image_id: str) -> None:
    server = conn.compute.create_server(name="e2e-vm", image_id=image_id, flavor_id="1",
                                        networks="none")
    assert server.admin_password
    try:
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=60, interval=0.5)
        assert server.power_state == 1 and server.compute_host
        assert isinstance(conn.compute.get_server_console_output(server, length=5)["output"], str)
        conn.compute.stop_server(server)
        conn.compute.wait_for_server(server, status="SHUTOFF", wait=60, interval=0.5)
        conn.compute.start_server(server)
        conn.compute.wait_for_server(server, status="ACTIVE", wait=60, interval=0.5)
        actions = [a.action for a in conn.compute.server_actions(server)]
        assert actions[:3] == ["start", "stop", "create"]
    finally:
        conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=60, interval=0.5)
    with pytest.raises(exceptions.NotFoundException):
        conn.compute.get_server(server.id)


def test_boot_is_accepted_and_listed(conn: openstack.connection.Connection,
                                     image_id: str) -> None:
    server = conn.compute.create_server(name="e2e-listed", image_id=image_id, flavor_id="1",
                                        networks="none")
    try:
        shown = conn.compute.get_server(server.id)
        assert shown.status in ("BUILD", "ACTIVE", "ERROR")
        assert shown.flavor.original_name == "m1.tiny", "2.47+ embeds the flavor"
        assert server.id in [s.id for s in conn.compute.servers(name="^e2e-listed$")]
    finally:
        conn.compute.delete_server(server)


def test_server_groups(conn: openstack.connection.Connection) -> None:
    group = conn.compute.create_server_group(name="e2e-group", policies=["anti-affinity"])
    try:
        assert conn.compute.get_server_group(group.id).name == "e2e-group"
        assert group.id in [g.id for g in conn.compute.server_groups()]
    finally:
        conn.compute.delete_server_group(group)


def test_admin_host_views(conn: openstack.connection.Connection) -> None:
    hypervisors = list(conn.compute.hypervisors(details=True))
    services = list(conn.compute.services())
    zones = list(conn.compute.availability_zones())
    assert hypervisors and zones, "the embedded worker registers this host"
    computes = [s for s in services if s.binary == "nova-compute"]
    assert {h.name for h in hypervisors} == {s.host for s in computes}
    # The API process beats for the scheduler and conductor it is (ops/roles/control.py).
    assert sorted(s.binary for s in services) == ["nova-compute", "nova-conductor",
                                                  "nova-scheduler"]
    assert all(s.state == "up" for s in services)
