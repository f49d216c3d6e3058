"""A real guest reads its config drive: booted under qemu:///system with `config_drive`, the busybox
test guest (ops/guest/init, with `skyledger.config_drive=1`) finds the CD-ROM, mounts it and prints
its label, the uuid in openstack/latest/meta_data.json and openstack/latest/user_data to its serial
console, which is read back through the console read model."""

from __future__ import annotations

import base64

import pytest

from domain.compute.backends import KernelBoot
from domain.compute.states import VmState
from tests.support.fleet import ADMIN, USER, Fleet
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

DRIVE = "SKYLEDGER-GUEST-CONFIG-DRIVE"
BOOT_TIMEOUT_S = 90.0  # ~6 s here under TCG; generous for a loaded machine


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # QEMU is the point here
def test_a_real_guest_mounts_its_config_drive_and_prints_its_uuid_and_user_data(
        fleet: Fleet, guest_image: KernelBoot, libvirtd: None) -> None:
    root = fleet.upload_guest(guest_image, "skyledger.config_drive=1")
    fleet.cloud.flavors.create(ADMIN, "tiny-qemu", "tiny-qemu", 128, 1, 1, 0)
    host = fleet.add_host("qemu-host", uri="qemu:///system", console_interval=0.2)
    user_data = b"hello-from-user-data"
    [vm] = fleet.boot("tiny-qemu", image=root, networks="none", config_drive=True,
                      user_data=base64.b64encode(user_data).decode())
    try:
        fleet.wait_until(vm, VmState.ACTIVE)
        wait_for(lambda: f"{DRIVE} user_data=" in fleet.consoles.read(vm),
                 "the guest's config drive lines on its console", BOOT_TIMEOUT_S)
        console = fleet.consoles.read(vm)
        assert f"{DRIVE} label=config-2 uuid={vm}\n" in console, console
        assert f"{DRIVE} user_data={user_data.decode()}\n" in console, console
        fleet.cloud.actions.delete(USER, vm.hex)
        wait_for(lambda: fleet.instance(vm).deleted, "the delete")
        assert not (host.state_dir / str(vm)).exists()  # the drive goes with the guest
    finally:
        host.hypervisor.destroy(vm)  # even when the test failed: leave no guest running
