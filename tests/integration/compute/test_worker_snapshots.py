"""createImage through the worker on libvirt's test driver: the snapshot lands in the image
store, the image becomes active, and a server boots from it. (The real copy of a root disk is
checked under QEMU in test_qemu_snapshot.py.)"""

from __future__ import annotations

from typing import Any

from domain.catalog.image import Image
from domain.compute.states import VmState
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for


def test_a_snapshot_becomes_an_active_image_a_server_boots_from(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [instance_id] = fleet.boot(networks="none")
    fleet.wait_until(instance_id, VmState.ACTIVE)

    image = fleet.cloud.snapshots.create_image(USER, instance_id.hex, "snap", {"k": "v"})
    active: Any = wait_for(
        lambda: (lambda i: i if isinstance(i, Image) and i.status == "active" else None)(
            fleet.cloud.app.find(image.id)), "the snapshot to be stored")
    assert active.disk_format == "qcow2" and active.size > 0
    assert fleet.cloud.blobs.exists(active.content_hash)
    instance = fleet.instance(instance_id)
    assert (instance.vm_state, instance.task_state) == (VmState.ACTIVE, None)

    [second] = fleet.boot(image=str(image.id), networks="none")
    assert fleet.wait_until(second, VmState.ACTIVE).image["id"] == image.id.hex
    fleet.check_ledgers()


def test_backups_rotate_keeping_the_newest_of_their_type(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [instance_id] = fleet.boot(networks="none")
    fleet.wait_until(instance_id, VmState.ACTIVE)

    def backup(name: str, kind: str = "daily") -> Image:
        image = fleet.cloud.snapshots.create_backup(USER, instance_id.hex, name, kind, 2)
        fleet.wait_until(instance_id, VmState.ACTIVE, f"the {name} backup")
        stored: Image = fleet.cloud.app.repository.get(image.id)
        return stored

    first, second, weekly = backup("b1"), backup("b2"), backup("w1", "weekly")
    assert first.status == second.status == weekly.status == "active"
    assert (first.properties["image_type"], first.properties["backup_type"]) == ("backup",
                                                                                 "daily")
    third = backup("b3")
    assert fleet.cloud.app.repository.get(first.id).deleted  # past the rotation of 2
    assert not any(fleet.cloud.app.repository.get(i.id).deleted for i in (second, third,
                                                                           weekly))
    assert fleet.instance(instance_id).backups == {
        "daily": [second.id.hex, third.id.hex], "weekly": [weekly.id.hex]}
