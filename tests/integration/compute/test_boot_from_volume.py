"""Boot from volume carried out by the compute worker on libvirt's test driver, on both stores:
the worker makes the root volume from the image in its host's storage pool (a real libvirt pool
on test:///default, image inspected by qemu-img), the guest's root disk is that volume, and the
server's delete detaches it, deleting it only with delete_on_termination."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.node import ComputeNode, node_id
from domain.compute.states import VmState
from domain.services.compute.boot_volumes import RootVolumeRequest
from domain.storage.volume import Volume
from ops.bootstrap import Cloud
from tests.support.fleet import USER, Fleet, VolumeFleet
from tests.support.hypervisor import TEST_URI, pool_backend
from tests.support.waiting import wait_for


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    yield from pool_backend(TEST_URI, tmp_path, "skyledger-bfv")


@pytest.fixture
def volume_fleet(compute_cloud: Cloud, tmp_path: Path,
                 backend: LibvirtVolumeBackend) -> Iterator[VolumeFleet]:
    made = VolumeFleet(compute_cloud, tmp_path, backend)
    made.seed()
    # A raw image qemu-img can read (the fleet's own images are not disks).
    made.disk = made.upload_image("disk", bytes(1 << 20), "raw")  # type: ignore[attr-defined]
    made.add_host("node-1")
    yield made
    made.close()


def boot(fleet: VolumeFleet, root: RootVolumeRequest) -> UUID:
    [instance_id] = fleet.boot("small", image="", networks="none", root=root)
    fleet.wait_until(instance_id, VmState.ACTIVE)
    return instance_id


def volume(fleet: Fleet, volume_id: str | UUID) -> Volume:
    found: Volume = fleet.cloud.app.repository.get(UUID(str(volume_id)))
    return found


def root_disk(fleet: Fleet, instance_id: UUID) -> ET.Element:
    dom = fleet.hosts["node-1"].hypervisor._require(instance_id)
    disks = ET.fromstring(dom.XMLDesc(0)).findall("./devices/disk")
    [root] = [d for d in disks if d.find("target").get("dev") == "vda"]  # type: ignore[union-attr]
    return root


def delete(fleet: Fleet, instance_id: UUID) -> None:
    fleet.cloud.actions.delete(USER, instance_id.hex)
    wait_for(lambda: fleet.instance(instance_id).deleted, f"{instance_id} deleted")


def test_a_server_boots_from_a_new_volume_that_outlives_it(
        volume_fleet: VolumeFleet, backend: LibvirtVolumeBackend, tmp_path: Path) -> None:
    fleet = volume_fleet
    instance_id = boot(fleet, RootVolumeRequest("image", fleet.disk, 2))  # type: ignore[attr-defined]
    volume_id = fleet.instance(instance_id).root_volume
    assert volume_id is not None
    made = volume(fleet, volume_id)
    assert made.status.value == "in-use" and made.attachment is not None
    assert (made.attachment["device"], made.attachment["host"]) == ("/dev/vda", "node-1")
    assert made.path == str(tmp_path / "pool" / str(made.id))
    info = backend.info(made.id)
    assert info is not None and (str(info.path), info.size_gib) == (made.path, 2)

    root = root_disk(fleet, instance_id)
    assert root.find("source").get("file") == made.path  # type: ignore[union-attr]
    assert root.find("driver").get("type") == "raw"  # type: ignore[union-attr]
    assert root.findtext("serial") == str(made.id)
    assert fleet.hosts["node-1"].hypervisor.attached_volumes(instance_id) == {made.id: "vda"}
    # No local root disk: the host claims none for it (Nova's root_gb 0 when volume-backed).
    node: ComputeNode = fleet.cloud.app.repository.get(node_id("node-1"))
    assert node.used() == {"vcpus": 1, "ram": 512, "disk": 0}
    fleet.check_ledgers()

    delete(fleet, instance_id)
    kept = volume(fleet, volume_id)
    assert (kept.status.value, kept.attachment) == ("available", None)
    assert backend.info(kept.id) is not None
    assert fleet.hosts["node-1"].guests() == {}

    # ... and boots the next server, where it is
    second = boot(fleet, RootVolumeRequest("volume", str(kept.id), None, True))
    assert fleet.instance(second).root_volume == volume_id
    assert root_disk(fleet, second).find("source").get("file") == kept.path  # type: ignore[union-attr]
    assert volume(fleet, volume_id).status.value == "in-use"
    delete(fleet, second)
    assert volume(fleet, volume_id).status.value == "deleting"  # the storage worker's to do


def test_delete_on_termination_deletes_the_new_root_volume(volume_fleet: VolumeFleet) -> None:
    fleet = volume_fleet
    instance_id = boot(fleet, RootVolumeRequest("image", fleet.disk, 1, True))  # type: ignore[attr-defined]
    volume_id = fleet.instance(instance_id).root_volume
    assert volume_id is not None and volume(fleet, volume_id).status.value == "in-use"
    delete(fleet, instance_id)
    gone = volume(fleet, volume_id)
    assert (gone.status.value, gone.attachment) == ("deleting", None)


def test_a_root_volume_that_cannot_be_made_fails_the_spawn(volume_fleet: VolumeFleet) -> None:
    fleet = volume_fleet
    # The fleet's "cirros" is no disk qemu-img can read: the volume cannot be made from it.
    [instance_id] = fleet.boot("small", image="", networks="none",
                               root=RootVolumeRequest("image", fleet.image, 1, True))
    failed = fleet.wait_until(instance_id, VmState.ERROR)
    assert failed.fault is not None and "could not be made" in failed.fault["message"]
    assert fleet.hosts["node-1"].guests() == {}
    root = failed.root_volume
    assert root is not None and volume(fleet, root).status.value == "creating"
    delete(fleet, instance_id)
    assert volume(fleet, root).status.value == "deleting"
