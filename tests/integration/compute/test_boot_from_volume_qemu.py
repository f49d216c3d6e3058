"""Boot from volume with real guests: what server A's init wrote on its root disk -- a volume made
from the image -- is found by server B booted from that same volume after A was deleted
(ops/guest/init, skyledger.mark_root=1). The volume survived its server with its data."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.backends import KernelBoot
from domain.compute.states import VmState
from domain.services.compute.boot_volumes import RootVolumeRequest
from ops.bootstrap import Cloud
from tests.support.fleet import ADMIN, USER, VolumeFleet
from tests.support.hypervisor import QEMU_URI, remove_pool
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

BOOT_TIMEOUT_S = 90.0
WROTE = re.compile(r"SKYLEDGER-GUEST-WROTE-MARK vda (SKYLEDGER-MARK:\S+)")
FOUND = re.compile(r"SKYLEDGER-GUEST-FOUND-MARK vda (SKYLEDGER-MARK:\S+)")


@pytest.fixture
def qemu_fleet(compute_cloud: Cloud, tmp_path: Path, libvirtd: None) -> Iterator[VolumeFleet]:
    name = f"skyledger-bfv-{uuid.uuid4().hex[:8]}"
    try:
        with LibvirtVolumeBackend(QEMU_URI, name, tmp_path / "pool") as backend:
            fleet = VolumeFleet(compute_cloud, tmp_path, backend)
            fleet.seed()
            try:
                yield fleet
            finally:
                fleet.close()
    finally:
        remove_pool(QEMU_URI, name)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_root_volume_keeps_its_data_after_its_server_is_deleted(
        qemu_fleet: VolumeFleet, guest_image: KernelBoot) -> None:
    fleet = qemu_fleet
    root = fleet.upload_guest(guest_image, "skyledger.hostname=sky-bfv skyledger.mark_root=1",
                              name="blank")
    fleet.cloud.flavors.create(ADMIN, "bfv-qemu", "bfv-qemu", 128, 1, 1, 0)
    host = fleet.add_host("qemu-bfv", uri=QEMU_URI, console_interval=0.2)
    booted: list[Any] = []
    try:
        [first] = fleet.boot("bfv-qemu", image="", networks="none",
                             root=RootVolumeRequest("image", root, 1, False))
        booted.append(first)
        fleet.wait_until(first, VmState.ACTIVE)
        wrote = wait_for(lambda: WROTE.search(fleet.consoles.read(first)),
                         "the first guest's mark on its root volume", BOOT_TIMEOUT_S)
        volume_id = fleet.instance(first).root_volume
        assert volume_id is not None

        fleet.cloud.actions.delete(USER, first.hex)
        wait_for(lambda: fleet.instance(first).deleted, "the first server deleted")
        assert first not in host.guests()
        kept: Any = fleet.cloud.app.repository.get(fleet.instance(first).id)
        assert kept.deleted
        volume: Any = fleet.cloud.volumes.get(USER, volume_id)
        assert (volume.status.value, volume.attachment) == ("available", None)
        assert Path(volume.path).is_file()

        [second] = fleet.boot("bfv-qemu", image="", networks="none",
                              root=RootVolumeRequest("volume", volume_id, None, False))
        booted.append(second)
        fleet.wait_until(second, VmState.ACTIVE)
        found = wait_for(lambda: FOUND.search(fleet.consoles.read(second)),
                         "the second guest to find the mark", BOOT_TIMEOUT_S)
        assert found.group(1) == wrote.group(1)
    finally:
        for instance_id in booted:
            host.hypervisor.destroy(instance_id)
