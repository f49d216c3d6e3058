"""Volumes through openstacksdk against a real `skyledger serve`: the block-storage proxy finds
the volumev3 endpoint in the catalog, creates, shows, lists, extends and deletes volumes, and the
compute proxy attaches one to a running server.

Until the storage worker runs inside `skyledger serve`, nothing takes a volume out of
`creating`; the administrator's os-reset_status (what an operator does with a stuck volume) makes
it available here. With the worker, these tests wait for `available` instead.
"""

from __future__ import annotations

import openstack
import pytest
from openstack import exceptions

Connection = openstack.connection.Connection


def available_volume(conn: Connection, name: str, size: int = 1) -> openstack.resource.Resource:
    volume = conn.block_storage.create_volume(name=name, size=size)
    assert volume.status == "creating" and volume.size == size
    conn.block_storage.reset_volume_status(volume, status="available")
    return conn.block_storage.wait_for_status(volume, "available", wait=30, interval=0.5)


def test_volume_lifecycle(conn: Connection) -> None:
    volume = conn.block_storage.create_volume(name="e2e-vol", size=1, description="sdk")
    shown = conn.block_storage.get_volume(volume.id)
    assert (shown.name, shown.size, shown.description, shown.is_bootable) == (
        "e2e-vol", 1, "sdk", False)
    assert shown.project_id == conn.current_project_id
    assert volume.id in [v.id for v in conn.block_storage.volumes(name="e2e-vol")]
    conn.block_storage.reset_volume_status(volume, status="available")
    conn.block_storage.extend_volume(volume, 3)
    assert conn.block_storage.get_volume(volume.id).status == "extending"
    conn.block_storage.reset_volume_status(volume, status="available")
    conn.block_storage.delete_volume(volume, ignore_missing=False)
    assert conn.block_storage.get_volume(volume.id).status == "deleting"


def test_deleting_an_attached_volume_is_refused(conn: Connection) -> None:
    volume = available_volume(conn, "e2e-attached")
    image = conn.image.create_image(name="e2e-vol-guest", data=b"tiny guest image",
                                    disk_format="qcow2", container_format="bare",
                                    allow_duplicates=True)
    server = conn.compute.create_server(name="e2e-vol-vm", image_id=image.id, flavor_id="1",
                                        networks="none")
    try:
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=60, interval=0.5)
        attachment = conn.compute.create_volume_attachment(server, volume=volume)
        assert (attachment.volume_id, attachment.server_id, attachment.device) == (
            volume.id, server.id, "/dev/vdb")
        assert conn.block_storage.get_volume(volume.id).status == "attaching"
        listed = list(conn.compute.volume_attachments(server))
        assert [(a.volume_id, a.device) for a in listed] == [(volume.id, "/dev/vdb")]
        with pytest.raises(exceptions.BadRequestException, match="must not be migrating, "
                                                                 "attached"):
            conn.block_storage.delete_volume(volume, ignore_missing=False)
        other = conn.compute.create_server(name="e2e-vol-vm2", image_id=image.id,
                                           flavor_id="1", networks="none")
        try:
            other = conn.compute.wait_for_server(other, status="ACTIVE", wait=60, interval=0.5)
            with pytest.raises(exceptions.ConflictException, match="status is attaching"):
                conn.compute.create_volume_attachment(other, volume=volume)
        finally:
            conn.compute.delete_server(other)
    finally:
        conn.compute.delete_server(server)


def test_volume_quota_through_the_sdk(conn: Connection) -> None:
    limits = conn.block_storage.get_limits()
    assert limits.absolute.max_total_volumes == 10
    assert limits.absolute.total_volumes_used >= 0
