"""A real TCG guest live-migrated between two libvirtd hosts of the migration bed
(tests/support/migration_bed.py) through the libvirt adapter: peer to peer over the bed's veth
pair, its root overlay and ephemeral disk copied (no shared storage), there and back.

That the guest goes on running on the destination is read from its console: a disk hot-plugged
there makes the guest's init print its new list of disks. A destination that has not prepared
the guest's disks refuses the migration, and the guest keeps running where it was.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from domain.compute.backends import GuestSpec, GuestState, HypervisorError, ImageDisk, KernelBoot
from tests.support.migration_bed import MigrationBed
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

READY = "SKYLEDGER-GUEST-READY"
BOOT_TIMEOUT_S = 90.0  # ~6-10 s here under TCG; generous for a loaded CI machine


def test_a_running_guest_moves_live_between_two_hosts_and_keeps_running(
    migration_bed: MigrationBed, guest_image: KernelBoot, tmp_path: Path
) -> None:
    a, b = migration_bed.hosts
    base, volume = tmp_path / "base.qcow2", tmp_path / "volume.raw"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "64M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(volume), "8M"], check=True)
    spec = GuestSpec(instance_id=uuid.uuid4(), name="mover", vcpus=1, memory_mib=128,
                     root_disk=ImageDisk(base), kernel=guest_image, ephemeral_gib=1)
    guest = spec.instance_id
    with a.hypervisor() as source, b.hypervisor() as dest:
        source.spawn(spec)
        wait_for(lambda: READY in source.console_output(guest), "the guest to boot on A",
                 BOOT_TIMEOUT_S)

        with pytest.raises(HypervisorError):  # B made no disks for it: B refuses
            source.live_migrate(guest, b.target())
        assert (source.state(guest), dest.state(guest)) == (GuestState.RUNNING,
                                                            GuestState.MISSING)

        dest.prepare_incoming(spec)
        source.live_migrate(guest, b.target())
        assert (source.state(guest), dest.state(guest)) == (GuestState.MISSING,
                                                            GuestState.RUNNING)
        assert (b.instances / str(guest) / "root.qcow2").is_file()
        dest.attach_volume(guest, uuid.uuid4(), volume)
        wait_for(lambda: "BLOCK-DEVICES: vda vdb vdc" in dest.console_output(guest),
                 "the migrated guest to see a disk plugged in on B", BOOT_TIMEOUT_S,
                 details=lambda: dest.console_output(guest))

        source.destroy(guest)  # the source's copy of the files goes (Nova's post-migration)
        source.prepare_incoming(spec)
        dest.live_migrate(guest, a.target())  # and back, the attached volume with it
        assert (source.state(guest), dest.state(guest)) == (GuestState.RUNNING,
                                                            GuestState.MISSING)
        assert source.attached_volumes(guest) != {}
        source.destroy(guest)
