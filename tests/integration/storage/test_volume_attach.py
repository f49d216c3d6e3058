"""Volumes attached to guests through the hypervisor adapter, on libvirt's test driver.

The test driver of libvirt 9.0 has no device hotplug, so there the adapter changes the guest's
persistent definition (see adapters/hypervisor/volume_attach.py); what the guest sees of a live
attach is shown on a real QEMU guest in test_qemu_volume.py. Every test runs on test:///default
and on a fresh node file (the `guests` fixture).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import libvirt
import pytest

from adapters.hypervisor.volume_attach import volume_disk
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.backends import GuestNotFound, HypervisorError, ImageDisk

if TYPE_CHECKING:
    from tests.support.hypervisor import Guests


def volume_disks(guests: Guests, instance_id: uuid.UUID) -> list[ET.Element]:
    """The guest's disks that have a serial, in its persistent definition."""
    xml = guests.hypervisor._require(instance_id).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    return [disk for disk in ET.fromstring(xml).iterfind("./devices/disk") if disk.find("serial")
            is not None]


def running_guest(guests: Guests, tmp_path: Path, ephemeral_gib: int = 0) -> uuid.UUID:
    # The test driver opens no files: the base image only has to be a valid path.
    spec = guests.spec(root_disk=ImageDisk(tmp_path / "base.qcow2"), ephemeral_gib=ephemeral_gib)
    guests.hypervisor.spawn(spec)
    return spec.instance_id


def test_attach_twice_attaches_once_at_the_next_free_target(
    guests: Guests, test_backend: LibvirtVolumeBackend, tmp_path: Path
) -> None:
    hv, guest = guests.hypervisor, running_guest(guests, tmp_path)
    volume_id = uuid.uuid4()
    volume = test_backend.create(volume_id, 1)

    assert hv.attach_volume(guest, volume_id, volume.path) == "vdb"  # vda is the root disk
    assert hv.attach_volume(guest, volume_id, volume.path, "vdc") == "vdb"  # keeps its target
    assert hv.attached_volumes(guest) == {volume_id: "vdb"}

    [disk] = volume_disks(guests, guest)
    assert (disk.get("type"), disk.get("device")) == ("file", "disk")
    assert disk.find("driver").attrib == {"name": "qemu", "type": "raw"}  # type: ignore[union-attr]
    assert disk.find("source").get("file") == str(volume.path)  # type: ignore[union-attr]
    assert disk.find("target").attrib == {"dev": "vdb", "bus": "virtio"}  # type: ignore[union-attr]
    assert disk.findtext("serial") == str(volume_id)


def test_targets_skip_the_guests_own_disks_and_refuse_a_taken_one(
    guests: Guests, tmp_path: Path
) -> None:
    hv, guest = guests.hypervisor, running_guest(guests, tmp_path, ephemeral_gib=1)
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    path = tmp_path / "volume"
    assert hv.attach_volume(guest, first, path) == "vdc"  # vda root, vdb ephemeral
    assert hv.attach_volume(guest, second, path, "/dev/vde") == "vde"  # Nova's spelling
    with pytest.raises(HypervisorError, match="vdb: in use"):
        hv.attach_volume(guest, third, path, "vdb")
    assert hv.attach_volume(guest, third, path) == "vdd"
    assert hv.attached_volumes(guest) == {first: "vdc", second: "vde", third: "vdd"}


def test_detach_twice_and_detach_what_was_never_attached(
    guests: Guests, tmp_path: Path
) -> None:
    hv, guest = guests.hypervisor, running_guest(guests, tmp_path)
    kept, detached = uuid.uuid4(), uuid.uuid4()
    hv.attach_volume(guest, kept, tmp_path / "kept")
    hv.attach_volume(guest, detached, tmp_path / "detached")

    hv.detach_volume(guest, detached)
    hv.detach_volume(guest, detached)
    hv.detach_volume(guest, uuid.uuid4())
    assert hv.attached_volumes(guest) == {kept: "vdb"}
    assert [d.findtext("serial") for d in volume_disks(guests, guest)] == [str(kept)]
    assert hv.attach_volume(guest, detached, tmp_path / "detached") == "vdc"  # again


def test_a_volume_attached_to_a_stopped_guest_is_there_when_it_starts(
    guests: Guests, tmp_path: Path
) -> None:
    hv, guest = guests.hypervisor, running_guest(guests, tmp_path)
    volume_id = uuid.uuid4()
    hv.stop(guest)
    assert hv.attach_volume(guest, volume_id, tmp_path / "volume") == "vdb"
    hv.start(guest)
    assert hv.attached_volumes(guest) == {volume_id: "vdb"}
    hv.stop(guest)
    hv.detach_volume(guest, volume_id)
    hv.start(guest)
    assert hv.attached_volumes(guest) == {}


def test_volume_actions_on_a_missing_guest(guests: Guests, tmp_path: Path) -> None:
    hv, nobody, volume_id = guests.hypervisor, uuid.uuid4(), uuid.uuid4()
    with pytest.raises(GuestNotFound):
        hv.attach_volume(nobody, volume_id, tmp_path / "volume")
    with pytest.raises(GuestNotFound):
        hv.detach_volume(nobody, volume_id)
    with pytest.raises(GuestNotFound):
        hv.attached_volumes(nobody)


def test_destroying_a_guest_leaves_its_volumes(guests: Guests, tmp_path: Path) -> None:
    hv, guest = guests.hypervisor, running_guest(guests, tmp_path)
    volume_file = tmp_path / "volumes" / "data"
    volume_file.parent.mkdir()
    volume_file.write_bytes(b"the user's data")
    hv.attach_volume(guest, uuid.uuid4(), volume_file)
    hv.destroy(guest)
    assert volume_file.read_bytes() == b"the user's data"


def test_a_block_device_volume_is_a_block_disk() -> None:
    # A logical (LVM) pool's volumes are block devices; any block device shows the XML.
    device = next((p for p in sorted(Path("/dev").iterdir()) if p.is_block_device()), None)
    if device is None:
        pytest.skip("this machine has no block device node in /dev")
    volume_id = uuid.uuid4()
    disk = volume_disk(volume_id, device, "vdb")
    assert disk.get("type") == "block"
    assert disk.find("source").attrib == {"dev": str(device)}  # type: ignore[union-attr]
    assert disk.findtext("serial") == str(volume_id)
