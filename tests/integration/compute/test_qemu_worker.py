"""A real guest under qemu:///system through BootService and the worker, from AKI/ARI/AMI images
to its console output, a hard reboot and a delete that leaves nothing behind."""

from __future__ import annotations

import pytest

from domain.compute.backends import GuestState, KernelBoot
from domain.compute.states import VmState
from tests.support.fleet import ADMIN, USER, Fleet
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

UP = "SKYLEDGER-GUEST-UP"
BOOT_TIMEOUT_S = 90.0  # ~6 s here under TCG; generous for a loaded machine


# The event store does not matter to QEMU; one store keeps this slow test to one run.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_real_guest_boots_prints_reboots_and_goes(fleet: Fleet, guest_image: KernelBoot,
                                                    libvirtd: None) -> None:
    root = fleet.upload_guest(guest_image, "skyledger.hostname=sky-w")
    fleet.cloud.flavors.create(ADMIN, "tiny-qemu", "tiny-qemu", 128, 1, 1, 0)
    host = fleet.add_host("qemu-host", uri="qemu:///system", console_interval=0.2)
    [vm] = fleet.boot("tiny-qemu", image=root, networks="none")  # NICs: test_real_guest_network
    try:
        fleet.wait_until(vm, VmState.ACTIVE)
        assert host.hypervisor.state(vm) is GuestState.RUNNING
        wait_for(lambda: UP in fleet.consoles.read(vm), "the init's line on the console",
                 BOOT_TIMEOUT_S)
        assert f"{UP} hostname=sky-w " in fleet.consoles.read(vm)
        # The init prints this right after UP: a reading of the console may fall in between.
        wait_for(lambda: "SKYLEDGER-GUEST-BLOCK-DEVICES: vda" in fleet.consoles.read(vm),
                 "the overlay on the console")
        fleet.cloud.actions.act(USER, vm.hex, "reboot_hard")
        fleet.wait_until(vm, VmState.ACTIVE)
        wait_for(lambda: fleet.consoles.read(vm).count(UP) == 2, "a second boot's line",
                 BOOT_TIMEOUT_S)
        assert fleet.consoles.read(vm, length=2).strip()  # Nova counts the "" after the last \n
        fleet.cloud.actions.delete(USER, vm.hex)
        wait_for(lambda: fleet.instance(vm).deleted, "the delete")
        assert host.hypervisor.state(vm) is GuestState.MISSING
        assert not (host.state_dir / str(vm)).exists()  # overlay and console log gone
        assert fleet.consoles.get(vm) is None
        fleet.check_ledgers()
    finally:
        host.hypervisor.destroy(vm)  # even when the test failed: leave no guest running
