"""From an instance's flavor and image snapshots to the hypervisor's `GuestSpec`.

The root disk is a copy-on-write overlay over the image file (named by its content hash), or a
volume for a volume-backed server (the worker makes it: domain/process/compute/root_volumes.py). An
image whose properties name a kernel (`kernel_id`, an `aki` image) and optionally a ramdisk
(`ramdisk_id`, an `ari` image) boots that kernel directly, as EC2-style images do in Nova; the
kernel command line comes from the image's `os_command_line` property (on an LXC host, the
container's init command line instead). Nova looks at the
properties, not the disk format: a qcow2 snapshot of such a server keeps them, and boots the same
way.

Each of the instance's ports becomes a NIC with the port's MAC on the bridge the network agent
makes for the port's network segment (named by `domain.network.bridges.bridge_name`). Its
attached volumes (found by the worker: volume_attachments.py) are passed through as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from uuid import UUID

from domain.backends import FormatMismatch
from domain.compute.backends import GuestNic, GuestSpec, GuestVolume, ImageDisk, KernelBoot
from domain.compute.copies import FlavorCopy, ImageCopy, PortCopy
from domain.errors import DomainError
from domain.network.bridges import bridge_name
from domain.network.port_filters import tap_device
from domain.process.backends import ImageFiles

# Glance disk formats that can back a qcow2 overlay, and how qemu-img names each.
BACKING_FORMATS = {"qcow2": "qcow2", "raw": "raw", "ami": "raw", "vmdk": "vmdk", "vdi": "vdi",
                   "vhd": "vpc", "vhdx": "vhdx"}
DEFAULT_CMDLINE = "console=ttyS0"

ImageFinder = Callable[[str], ImageCopy | None]
# A network id (hex, as in `Instance.ports`) to its segmentation id; None if there is no such
# live network.
SegmentFinder = Callable[[str], int | None]


def _no_networks(network_id: str) -> int | None:
    return None


class SpawnRefused(DomainError):
    """This host cannot build the guest (e.g. the image file is not here); worth a reschedule."""


def guest_spec(instance_id: UUID, name: str, flavor: FlavorCopy, image: ImageCopy,
               files: ImageFiles, find_image: ImageFinder, host: str, *,
               ports: Sequence[PortCopy] = (),
               find_segment: SegmentFinder = _no_networks,
               volumes: Sequence[GuestVolume] = (),
               root_volume: GuestVolume | None = None) -> GuestSpec:
    """`root_volume`: a volume-backed server's root disk, made already (boot_volumes.py)."""
    root = _root_disk(image, flavor, files, host) if root_volume is None else None
    return GuestSpec(
        instance_id=instance_id, name=name, vcpus=int(flavor["vcpus"]),
        memory_mib=int(flavor["ram"]), root_disk=root, root_volume=root_volume,
        kernel=_kernel_boot(image, files, find_image, host),
        ephemeral_gib=int(flavor.get("ephemeral") or 0),
        nics=tuple(_nic(port, find_segment) for port in ports),
        volumes=tuple(volumes),
        init_command=(image.get("properties") or {}).get("os_command_line") or None,
    )


def _root_disk(image: ImageCopy, flavor: FlavorCopy, files: ImageFiles,
               host: str) -> ImageDisk:
    disk_format = image.get("disk_format") or ""
    if disk_format not in BACKING_FORMATS:
        raise SpawnRefused(f"Image {image.get('id')} has disk format {disk_format!r}, "
                           f"which cannot boot a server.")
    size = int(flavor.get("disk") or 0)
    path = _image_file(image, files, host)
    try:
        # As Nova does since CVE-2024-32498: never hand the hypervisor a disk whose format is
        # not the declared one, or one that points at other files (a backing or data file).
        files.check_format(str(image.get("content_hash")), disk_format)
    except FormatMismatch as refusal:
        raise SpawnRefused(f"Image {image.get('id')} cannot boot a server: {refusal}") from None
    return ImageDisk(path, BACKING_FORMATS[disk_format], size_gib=size or None)


def _nic(port: PortCopy, find_segment: SegmentFinder) -> GuestNic:
    segmentation_id = find_segment(port["network_id"])
    if segmentation_id is None:
        raise SpawnRefused(f"Network {port['network_id']} of port {port['id']} is not "
                           f"available.")
    return GuestNic(mac=port["mac"], bridge=bridge_name(segmentation_id),
                    device=tap_device(port["id"]))


def _image_file(image: ImageCopy, files: ImageFiles, host: str) -> Path:
    content_hash = image.get("content_hash")
    if not content_hash or not files.exists(content_hash):
        raise SpawnRefused(f"Image file of image {image.get('id')} is not available on "
                           f"host {host}.")
    return Path(files.path(content_hash))


def _kernel_boot(image: ImageCopy, files: ImageFiles, find_image: ImageFinder,
                 host: str) -> KernelBoot | None:
    properties = image.get("properties") or {}
    kernel_id, ramdisk_id = properties.get("kernel_id"), properties.get("ramdisk_id")
    if not kernel_id:
        return None  # a whole-disk AMI with its own bootloader
    kernel = _linked(find_image, kernel_id, "aki", files, host)
    ramdisk = _linked(find_image, ramdisk_id, "ari", files, host) if ramdisk_id else None
    return KernelBoot(kernel, ramdisk, properties.get("os_command_line") or DEFAULT_CMDLINE)


def _linked(find_image: ImageFinder, image_id: str, disk_format: str, files: ImageFiles,
            host: str) -> Path:
    linked = find_image(image_id)
    if linked is None or linked.get("disk_format") != disk_format:
        raise SpawnRefused(f"Image {image_id} is not an available {disk_format} image.")
    return _image_file(linked, files, host)
