"""Volumes through openstacksdk against a real `skyledger serve`: the block-storage proxy finds
the volumev3 endpoint in the catalog, creates, shows, lists, extends and deletes volumes, and the
compute proxy attaches one to a running server.

The volume worker embedded in `skyledger serve` carries out creates, extends and deletes in its
pool (on libvirt's test driver here), so the tests wait for each outcome; the administrator's
os-reset_status is what an operator does with a volume stuck in error.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import openstack
import pytest
from openstack import exceptions

from tests.support.disk_images import tiny_qcow2

Connection = openstack.connection.Connection


def available_volume(conn: Connection, name: str, size: int = 1) -> openstack.resource.Resource:
    volume = conn.block_storage.create_volume(name=name, size=size)
    assert volume.status == "creating" and volume.size == size
    return conn.block_storage.wait_for_status(volume, "available", wait=30, interval=0.5)


def wait_until(conn: Connection, volume_id: str,
               condition: Callable[[openstack.resource.Resource], bool],
               timeout_s: float = 30.0) -> openstack.resource.Resource:
    deadline = time.monotonic() + timeout_s
    while True:
        volume = conn.block_storage.get_volume(volume_id)
        if condition(volume):
            return volume
        assert time.monotonic() < deadline, f"volume {volume_id} still {volume.status}"
        time.sleep(0.2)


def test_volume_lifecycle(conn: Connection) -> None:
    volume = conn.block_storage.create_volume(name="e2e-vol", size=1, description="sdk")
    shown = conn.block_storage.get_volume(volume.id)
    assert (shown.name, shown.size, shown.description, shown.is_bootable) == (
        "e2e-vol", 1, "sdk", False)
    assert shown.project_id == conn.current_project_id
    assert volume.id in [v.id for v in conn.block_storage.volumes(name="e2e-vol")]
    volume = conn.block_storage.wait_for_status(volume, "available", wait=30, interval=0.5)
    conn.block_storage.extend_volume(volume, 3)
    # wait_for_status trusts the status the resource already holds: fetch until extended.
    extended = wait_until(conn, volume.id, lambda v: v.size == 3)
    assert (extended.status, extended.size) == ("available", 3)
    conn.block_storage.delete_volume(volume, ignore_missing=False)
    conn.block_storage.wait_for_delete(volume, wait=30, interval=0.5)
    with pytest.raises(exceptions.NotFoundException):
        conn.block_storage.get_volume(volume.id)


def test_an_administrator_resets_a_volume_status_and_deletes_it(conn: Connection) -> None:
    volume = available_volume(conn, "e2e-reset")
    conn.block_storage.reset_volume_status(volume, status="error")
    assert conn.block_storage.get_volume(volume.id).status == "error"
    conn.block_storage.reset_volume_status(volume, status="available")
    assert conn.block_storage.get_volume(volume.id).status == "available"
    conn.block_storage.reset_volume_status(volume, status="error")
    conn.block_storage.delete_volume(volume, ignore_missing=False)  # error may be deleted
    conn.block_storage.wait_for_delete(volume, wait=30, interval=0.5)


def test_deleting_an_attached_volume_is_refused(conn: Connection) -> None:
    volume = available_volume(conn, "e2e-attached")
    image = conn.image.create_image(name="e2e-vol-guest", data=tiny_qcow2(b"tiny guest image"),
                                    disk_format="qcow2", container_format="bare",
                                    allow_duplicates=True)
    server = conn.compute.create_server(name="e2e-vol-vm", image_id=image.id, flavor_id="1",
                                        networks="none")
    try:
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=60, interval=0.5)
        attachment = conn.compute.create_volume_attachment(server, volume=volume)
        assert (attachment.volume_id, attachment.server_id, attachment.device) == (
            volume.id, server.id, "/dev/vdb")
        # The compute worker may have confirmed the attach already.
        assert conn.block_storage.get_volume(volume.id).status in ("attaching", "in-use")
        listed = list(conn.compute.volume_attachments(server))
        assert [(a.volume_id, a.device) for a in listed] == [(volume.id, "/dev/vdb")]
        with pytest.raises(exceptions.BadRequestException, match="must not be migrating, "
                                                                 "attached"):
            conn.block_storage.delete_volume(volume, ignore_missing=False)
        other = conn.compute.create_server(name="e2e-vol-vm2", image_id=image.id,
                                           flavor_id="1", networks="none")
        try:
            other = conn.compute.wait_for_server(other, status="ACTIVE", wait=60, interval=0.5)
            # Nova's 400 for Cinder's InvalidVolume
            with pytest.raises(exceptions.BadRequestException,
                               match="status is (attaching|in-use)"):
                conn.compute.create_volume_attachment(other, volume=volume)
        finally:
            conn.compute.delete_server(other)
    finally:
        conn.compute.delete_server(server)


def test_volume_quota_through_the_sdk(conn: Connection) -> None:
    limits = conn.block_storage.get_limits()
    assert limits.absolute.max_total_volumes == 10
    assert limits.absolute.total_volumes_used >= 0
