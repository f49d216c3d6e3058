"""createImage of a real guest: what its init wrote on its root disk is in the snapshot, and a
server booted from the snapshot finds it (ops/guest/init, skyledger.mark_root=1)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from domain.catalog.image import Image
from domain.compute.backends import KernelBoot
from domain.compute.states import VmState
from tests.support.fleet import ADMIN, USER, Fleet
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

BOOT_TIMEOUT_S = 90.0
WROTE = re.compile(r"SKYLEDGER-GUEST-WROTE-MARK vda (SKYLEDGER-MARK:\S+)")
FOUND = re.compile(r"SKYLEDGER-GUEST-FOUND-MARK vda (SKYLEDGER-MARK:\S+)")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_server_booted_from_a_snapshot_starts_from_the_snapshotted_disk(
        fleet: Fleet, guest_image: KernelBoot, libvirtd: None) -> None:
    assert guest_image.initrd is not None
    kernel = fleet.upload_image("vmlinuz", guest_image.kernel.read_bytes(), "aki", "aki")
    ramdisk = fleet.upload_image("initrd", guest_image.initrd.read_bytes(), "ari", "ari")
    cmdline = f"{guest_image.cmdline} skyledger.hostname=sky-snap skyledger.mark_root=1"
    root = fleet.upload_image("blank", bytes(1 << 20), "ami", "ami", kernel_id=kernel,
                              ramdisk_id=ramdisk, os_command_line=cmdline)
    fleet.cloud.flavors.create(ADMIN, "snap-qemu", "snap-qemu", 128, 1, 1, 0)
    host = fleet.add_host("qemu-snap", uri="qemu:///system", console_interval=0.2)
    booted: list[Any] = []
    try:
        [first] = fleet.boot("snap-qemu", image=root, networks="none")
        booted.append(first)
        fleet.wait_until(first, VmState.ACTIVE)
        wrote = wait_for(lambda: WROTE.search(fleet.consoles.read(first)),
                         "the first guest's mark on its root disk", BOOT_TIMEOUT_S)
        mark = wrote.group(1)

        image = fleet.cloud.snapshots.create_image(USER, first.hex, "snap")
        snapshot: Any = wait_for(
            lambda: (lambda i: i if isinstance(i, Image) and i.status == "active" else None)(
                fleet.cloud.app.find(image.id)), "the snapshot", BOOT_TIMEOUT_S)
        assert (snapshot.disk_format, snapshot.properties["kernel_id"]) == ("qcow2", kernel)
        assert fleet.wait_until(first, VmState.ACTIVE).task_state is None
        assert "SKYLEDGER-GUEST-UP" in fleet.consoles.read(first)  # paused, resumed, not rebooted

        [second] = fleet.boot("snap-qemu", image=str(image.id), networks="none")
        booted.append(second)
        fleet.wait_until(second, VmState.ACTIVE)
        found = wait_for(lambda: FOUND.search(fleet.consoles.read(second)),
                         "the second guest to find the mark", BOOT_TIMEOUT_S)
        assert found.group(1) == mark
        assert fleet.consoles.read(first).count("SKYLEDGER-GUEST-UP") == 1
    finally:
        for instance_id in booted:
            host.hypervisor.destroy(instance_id)
