"""A real guest under qemu:///system (TCG: no KVM needed) through the libvirt adapter.

The guest is ops/build-guest-image's busybox initramfs booted directly from a Debian kernel, with a
qcow2 overlay root disk and an ephemeral disk, so that what the init prints on the serial console
proves the kernel booted, the command line arrived and both disks are attached.

The console log is opened with append='on', so a hard reboot adds a second boot's lines to the same
log (it is not truncated): the test counts occurrences of the init's line.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domain.compute.backends import GuestState, ImageDisk, KernelBoot
from domain.compute.console import tail
from tests.support.waiting import wait_for

if TYPE_CHECKING:
    from tests.support.hypervisor import Guests

pytestmark = pytest.mark.qemu

UP = "SKYLEDGER-GUEST-UP"
BOOT_TIMEOUT_S = 60.0  # ~5 s here under TCG; generous for a loaded CI machine


def test_a_real_guest_boots_reboots_and_leaves_nothing_behind(
    qemu_guests: Guests, guest_image: KernelBoot, tmp_path: Path
) -> None:
    hv = qemu_guests.hypervisor
    base = tmp_path / "base.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "64M"], check=True)
    kernel = KernelBoot(
        guest_image.kernel, guest_image.initrd, f"{guest_image.cmdline} skyledger.hostname=sky1"
    )
    spec = qemu_guests.spec(root_disk=ImageDisk(base), kernel=kernel, ephemeral_gib=1)
    guest, instance_dir = spec.instance_id, tmp_path / "instances" / str(spec.instance_id)

    hv.spawn(spec)
    hv.spawn(spec)  # a replay: still one guest
    assert [i for i in hv.list_guests() if i == guest] == [guest]
    assert hv.state(guest) is GuestState.RUNNING
    assert (instance_dir / "root.qcow2").is_file() and (instance_dir / "ephemeral.raw").is_file()
    ephemeral = json.loads(subprocess.run(  # -U: QEMU holds the image's lock
        ["qemu-img", "info", "-U", "--output=json", str(instance_dir / "ephemeral.raw")],
        capture_output=True, text=True, check=True).stdout)
    assert (ephemeral["format"], ephemeral["virtual-size"]) == ("raw", 1 << 30)

    # The partition table is the init's third output: wait for it, not only for the first line.
    wait_for(lambda: re.search(r"\b1048576 vdb\b", hv.console_output(guest)) is not None,
             "the guest's init to print its partitions", BOOT_TIMEOUT_S)
    console = hv.console_output(guest)
    assert re.search(rf"{UP} hostname=sky1 ", console), console
    assert "SKYLEDGER-GUEST-BLOCK-DEVICES: vda vdb" in console, console  # overlay + ephemeral
    assert re.search(r"\b1048576 vdb\b", console), console  # the ephemeral disk is 1 GiB

    hv.reboot(guest, hard=True)
    wait_for(lambda: hv.console_output(guest).count(UP) == 2, "a second boot after hard reboot",
             BOOT_TIMEOUT_S)
    assert tail(hv.console_output(guest), 2).strip() != ""

    hv.pause(guest)
    assert hv.state(guest) is GuestState.PAUSED
    hv.unpause(guest)
    hv.suspend(guest)  # memory saved to disk, QEMU gone
    assert hv.state(guest) is GuestState.SUSPENDED
    hv.resume(guest)
    assert hv.state(guest) is GuestState.RUNNING

    hv.destroy(guest)
    hv.destroy(guest)
    assert hv.state(guest) is GuestState.MISSING
    assert guest not in hv.list_guests()
    assert not instance_dir.exists()  # overlay, ephemeral disk and console log
    assert base.is_file()  # the base image is never the adapter's to delete
