"""Rescue of a volume-backed server (Nova's 2.87), carried out by the compute worker on
libvirt's test driver, on both stores: with a rescue image that names hw_rescue_bus and
hw_rescue_device the rescue guest boots from that image (vda) with the server's root volume as
its second disk (vdb); unrescue brings the guest back on its root volume. Without 2.87, or with
an image that does not name those properties, the refusal is Nova's 400 and nothing changes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.states import VmState
from domain.errors import InvalidInput
from domain.services.compute.boot_volumes import RootVolumeRequest
from ops.bootstrap import Cloud
from tests.support.fleet import USER, VolumeFleet
from tests.support.hypervisor import TEST_URI, pool_backend


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    yield from pool_backend(TEST_URI, tmp_path, "skyledger-bfv-rescue")


@pytest.fixture
def volume_fleet(compute_cloud: Cloud, tmp_path: Path,
                 backend: LibvirtVolumeBackend) -> Iterator[VolumeFleet]:
    made = VolumeFleet(compute_cloud, tmp_path, backend)
    made.seed()
    made.add_host("node-1")
    yield made
    made.close()


def disks(fleet: VolumeFleet, instance_id: UUID) -> dict[str, str]:
    """target device -> source file of the guest's disks."""
    dom = fleet.hosts["node-1"].hypervisor._require(instance_id)
    found = ET.fromstring(dom.XMLDesc(0)).findall("./devices/disk")
    return {d.find("target").get("dev"): d.find("source").get("file")  # type: ignore[misc, union-attr]
            for d in found}


def test_a_volume_backed_server_is_rescued_from_2_87(volume_fleet: VolumeFleet) -> None:
    fleet = volume_fleet
    disk = fleet.upload_image("disk", bytes(1 << 20), "raw")
    rescue_image = fleet.upload_image("rescue", bytes(1 << 20), "raw", hw_rescue_bus="virtio",
                                      hw_rescue_device="disk")
    [vm] = fleet.boot("small", image="", networks="none",
                      root=RootVolumeRequest("image", disk, 1))
    fleet.wait_until(vm, VmState.ACTIVE)
    root = fleet.instance(vm).root_volume
    assert root is not None
    own = disks(fleet, vm)
    with pytest.raises(InvalidInput, match="volume-backed"):
        fleet.cloud.actions.rescue(USER, vm.hex, rescue_image)  # before 2.87
    with pytest.raises(InvalidInput, match="volume-backed"):
        fleet.cloud.actions.rescue(USER, vm.hex, disk, allow_volume_backed=True)
    assert fleet.instance(vm).vm_state is VmState.ACTIVE

    fleet.cloud.actions.rescue(USER, vm.hex, rescue_image, allow_volume_backed=True)
    fleet.wait_until(vm, VmState.RESCUED, "the rescue")
    rescued = disks(fleet, vm)
    assert rescued["vdb"] == own["vda"], "the root volume is the rescue guest's second disk"
    assert rescued["vda"] != own["vda"]

    fleet.cloud.actions.act(USER, vm.hex, "unrescue")
    fleet.wait_until(vm, VmState.ACTIVE, "the unrescue")
    assert disks(fleet, vm) == own
    fleet.check_guests()
