"""A real guest outlives its images: its root overlay backs onto the host's own copy of the
image (`<state dir>/_base/`, adapters/hypervisor/base_images.py), and it boots the host's
copies of its kernel and initrd, not the image store's files, which deleting the images
removes. Without that, the running guest would keep the open files but its next hard reboot
would find no backing file (or no kernel)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from uuid import UUID

import pytest

from api.image_access import delete_image
from domain.compute.backends import GuestState, KernelBoot
from domain.compute.states import VmState
from tests.support.fleet import ADMIN, USER, Fleet
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

UP = "SKYLEDGER-GUEST-UP"
BOOT_TIMEOUT_S = 90.0


def qemu_img(*args: str) -> subprocess.CompletedProcess[str]:
    # -U: the running guest's QEMU holds the image's lock; reading it is safe.
    return subprocess.run(["qemu-img", *args[:1], "-U", *args[1:]], capture_output=True,
                          text=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_guest_outlives_its_deleted_image_and_reboots(fleet: Fleet, guest_image: KernelBoot,
                                                        libvirtd: None) -> None:
    root = fleet.upload_guest(guest_image, "skyledger.hostname=sky-del")
    properties = fleet.cloud.app.repository.get(UUID(root)).properties
    images = [UUID(root), UUID(properties["kernel_id"]), UUID(properties["ramdisk_id"])]
    store_files = [Path(fleet.cloud.blobs.path(fleet.cloud.app.repository.get(i).content_hash))
                   for i in images]
    fleet.cloud.flavors.create(ADMIN, "del-qemu", "del-qemu", 128, 1, 1, 0)
    host = fleet.add_host("qemu-del", uri="qemu:///system", console_interval=0.2)
    [vm] = fleet.boot("del-qemu", image=root, networks="none")
    try:
        fleet.wait_until(vm, VmState.ACTIVE)
        wait_for(lambda: UP in fleet.consoles.read(vm), "the guest's init", BOOT_TIMEOUT_S)

        for image_id in images:  # the ami, and the aki and ari it boots, as the API does
            delete_image(fleet.cloud, ADMIN, image_id)
        assert not any(path.exists() for path in store_files)

        disk = host.state_dir / str(vm) / "root.qcow2"
        info = qemu_img("info", "--backing-chain", "--output=json", str(disk))
        assert info.returncode == 0, info.stderr
        chain = json.loads(info.stdout)
        assert [layer["format"] for layer in chain] == ["qcow2", "raw"]
        base = Path(chain[1]["filename"])
        assert base.parent == host.state_dir.resolve() / "_base"
        assert base.stat().st_size == 1 << 20
        check = qemu_img("check", str(disk))
        assert check.returncode == 0, check.stdout + check.stderr

        fleet.cloud.actions.act(USER, vm.hex, "reboot_hard")  # QEMU opens the chain anew
        fleet.wait_until(vm, VmState.ACTIVE)
        assert host.hypervisor.state(vm) is GuestState.RUNNING
        wait_for(lambda: fleet.consoles.read(vm).count(UP) == 2, "a second boot's line",
                 BOOT_TIMEOUT_S)
    finally:
        host.hypervisor.destroy(vm)  # even when the test failed: leave no guest running
