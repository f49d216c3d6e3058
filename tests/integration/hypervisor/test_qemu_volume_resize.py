"""The guest side of an in-use extend on a real TCG guest under qemu:///system, through the
libvirt adapter: the storage side has grown a raw volume's file, and `resize_volume` (libvirt
blockResize) makes QEMU's disk that size, read back from libvirt's block info (what QEMU tells
the guest's virtio driver). The guest's own view is not read here: its init prints its
partitions only at boot."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domain.compute.backends import HypervisorError, ImageDisk, KernelBoot
from tests.support.waiting import wait_for

if TYPE_CHECKING:
    from tests.support.hypervisor import Guests

pytestmark = pytest.mark.qemu

READY = "SKYLEDGER-GUEST-READY"
BOOT_TIMEOUT_S = 90.0  # ~6-10 s here under TCG; generous for a loaded CI machine
MIB = 1 << 20


def test_a_running_guests_volume_grows_by_block_resize(
    qemu_guests: Guests, guest_image: KernelBoot, tmp_path: Path
) -> None:
    hv = qemu_guests.hypervisor
    base, volume = tmp_path / "base.qcow2", tmp_path / "volume.raw"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "64M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(volume), "8M"], check=True)
    spec = qemu_guests.spec(root_disk=ImageDisk(base), kernel=guest_image)
    guest, volume_id = spec.instance_id, uuid.uuid4()
    hv.spawn(spec)
    wait_for(lambda: READY in hv.console_output(guest), "the guest to boot", BOOT_TIMEOUT_S)
    target = hv.attach_volume(guest, volume_id, volume)
    dom = hv._require(guest)
    assert dom.blockInfo(target)[0] == 8 * MIB

    with volume.open("r+b") as grown:  # what the storage side's extend did to the file
        grown.truncate(16 * MIB)
    hv.resize_volume(guest, volume_id, 16 * MIB)
    assert dom.blockInfo(target)[0] == 16 * MIB
    hv.resize_volume(guest, volume_id, 16 * MIB)  # a replay changes nothing
    assert dom.blockInfo(target)[0] == 16 * MIB
    with pytest.raises(HypervisorError, match="is not attached"):
        hv.resize_volume(guest, uuid.uuid4(), 16 * MIB)
