"""A volume attached live to real QEMU guests (TCG) through the adapters: the guest sees the
disk appear and disappear, and what one guest wrote on it another guest reads.

The guest's init (ops/guest/init) prints its block devices whenever they change, writes
"SKYLEDGER-MARK:<hostname>" into the first sector of a newly attached blank disk, and reports
such a mark when it finds one instead. Guest "sky-vol-a" writes its mark, the volume is
detached, and guest "sky-vol-b" finds sky-vol-a's mark on it.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import pytest

from adapters.hypervisor import volume_attach
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.backends import HypervisorError, ImageDisk, KernelBoot
from tests.support.waiting import wait_for

if TYPE_CHECKING:
    from tests.support.hypervisor import Guests

pytestmark = pytest.mark.qemu

READY = "SKYLEDGER-GUEST-READY"
DEVICES = "SKYLEDGER-GUEST-BLOCK-DEVICES:"
TIMEOUT_S = 90.0  # one boot takes ~6 s here under TCG; generous for a loaded machine


def after_ready(console: str) -> list[str]:
    """The lines the guest printed after its boot was done: only the disk watcher's."""
    return [line.strip() for line in console.split(READY, 1)[1].splitlines() if line.strip()]


@pytest.fixture
def boot(qemu_guests: Guests, guest_image: KernelBoot, tmp_path: Path) -> Callable[[str], UUID]:
    """boot(hostname) -> instance id: a guest with a root disk (vda, so that a volume is vdb)."""
    base = tmp_path / "base.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "64M"], check=True)

    def start(hostname: str) -> UUID:
        cmdline = f"{guest_image.cmdline} skyledger.hostname={hostname}"
        spec = qemu_guests.spec(
            root_disk=ImageDisk(base),
            kernel=KernelBoot(guest_image.kernel, guest_image.initrd, cmdline),
        )
        qemu_guests.hypervisor.spawn(spec)
        return spec.instance_id

    return start


def test_a_volume_moves_between_live_guests_with_its_data(
    qemu_guests: Guests, qemu_backend: LibvirtVolumeBackend, boot: Callable[[str], UUID]
) -> None:
    hv = qemu_guests.hypervisor
    a, b = boot("sky-vol-a"), boot("sky-vol-b")
    volume_id = uuid.uuid4()
    volume = qemu_backend.create(volume_id, 1)
    wait_for(lambda: READY in hv.console_output(a) and READY in hv.console_output(b),
             "both boots", TIMEOUT_S)
    assert f"{DEVICES} vda" in hv.console_output(a)

    started = time.monotonic()
    assert hv.attach_volume(a, volume_id, volume.path) == "vdb"
    wait_for(lambda: "SKYLEDGER-GUEST-WROTE-MARK vdb" in hv.console_output(a),
             "a's mark", TIMEOUT_S)
    seen_s = time.monotonic() - started
    assert hv.attached_volumes(a) == {volume_id: "vdb"}
    with volume.path.open("rb") as disk:  # on the host's file, fsync-ed by the guest
        assert disk.read(len("SKYLEDGER-MARK:sky-vol-a\n")) == b"SKYLEDGER-MARK:sky-vol-a\n"

    started = time.monotonic()
    hv.detach_volume(a, volume_id)  # returns once the guest let go of the disk
    detach_s = time.monotonic() - started
    hv.detach_volume(a, volume_id)
    assert hv.attached_volumes(a) == {}
    wait_for(lambda: after_ready(hv.console_output(a))[-1] == f"{DEVICES} vda",
             "vdb to go", TIMEOUT_S)

    hv.attach_volume(b, volume_id, volume.path)
    found = "SKYLEDGER-GUEST-FOUND-MARK vdb SKYLEDGER-MARK:sky-vol-a"
    wait_for(lambda: found in hv.console_output(b), "b to find a's mark", TIMEOUT_S)
    hv.detach_volume(b, volume_id)
    wait_for(lambda: after_ready(hv.console_output(b))[-1] == f"{DEVICES} vda",
             "vdb to go", TIMEOUT_S)

    # Exactly one line per change: the console is quiet while nothing changes.
    assert after_ready(hv.console_output(a)) == [
        f"{DEVICES} vda vdb", "SKYLEDGER-GUEST-WROTE-MARK vdb", f"{DEVICES} vda"]
    assert after_ready(hv.console_output(b)) == [f"{DEVICES} vda vdb", found, f"{DEVICES} vda"]

    hv.destroy(a)
    hv.destroy(b)
    assert qemu_backend.info(volume_id) == volume  # a guest's destroy leaves its volumes
    with volume.path.open("rb") as disk:
        assert disk.read(15) == b"SKYLEDGER-MARK:"
    print(f"attach to mark seen: {seen_s:.2f}s, live detach: {detach_s:.2f}s")


def test_a_paused_guest_fails_the_detach_and_a_stopped_one_gets_the_volume_at_boot(
    qemu_guests: Guests, qemu_backend: LibvirtVolumeBackend, boot: Callable[[str], UUID],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(volume_attach, "DETACH_TIMEOUT_S", 1.0)  # not 20 s in a test
    hv, guest = qemu_guests.hypervisor, boot("sky-vol-paused")
    volume_id = uuid.uuid4()
    volume = qemu_backend.create(volume_id, 1)
    wait_for(lambda: READY in hv.console_output(guest), "the boot", TIMEOUT_S)
    hv.attach_volume(guest, volume_id, volume.path)
    wait_for(lambda: "SKYLEDGER-GUEST-WROTE-MARK vdb" in hv.console_output(guest),
             "the mark", TIMEOUT_S)

    hv.pause(guest)  # a paused guest cannot act on the unplug request
    started = time.monotonic()
    with pytest.raises(HypervisorError, match="did not release volume"):
        hv.detach_volume(guest, volume_id)
    assert time.monotonic() - started < 10  # bounded (libvirt itself waits ~5 s of it)
    assert hv.attached_volumes(guest) == {volume_id: "vdb"}  # still there, and said so

    hv.unpause(guest)
    hv.detach_volume(guest, volume_id)  # the retry completes it
    assert hv.attached_volumes(guest) == {}
    hv.stop(guest)
    assert hv.attached_volumes(guest) == {}  # gone from the persistent definition too

    assert hv.attach_volume(guest, volume_id, volume.path) == "vdb"  # to the definition
    hv.start(guest)
    wait_for(lambda: hv.console_output(guest).count(READY) == 2, "the second boot", TIMEOUT_S)
    second_boot = hv.console_output(guest).split("SKYLEDGER-GUEST-UP")[2].split(READY)[0]
    assert f"{DEVICES} vda vdb\n" in second_boot  # there from the start
    assert hv.attached_volumes(guest) == {volume_id: "vdb"}
