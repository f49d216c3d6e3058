"""Volumes attached to libvirt domains as virtio disks, for LibvirtHypervisor.

A volume's disk carries the volume uuid as its <serial>, which is how its disk is found again
(the guest sees it too, as Nova's volume disks show it); the target dev (vdb, vdc, ...) is only
where it sits. Attach and detach compare what the live and the persistent definitions hold and
change only what is missing, so a replay after a crash at any point completes the action.

libvirt 9.0's test driver has no device hotplug at all (virDomainAttachDeviceFlags is not
supported there). Its guests run nothing, so on it the persistent definition is the whole truth:
`hotplug=False` rewrites that definition instead, and reads it back.
"""

from __future__ import annotations

import string
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from uuid import UUID

import libvirt

from domain.compute.backends import HypervisorError
from domain.process.effects import record

# A live detach needs the guest's consent (an ACPI unplug it acts on): ~0.3 s here under TCG; a
# paused or wedged guest never gives it.
DETACH_TIMEOUT_S = 20.0
_POLL_S = 0.1
_TARGETS = tuple(f"vd{letter}" for letter in string.ascii_lowercase)
_LIVE, _CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG


def attach(
    dom: libvirt.virDomain, volume_id: UUID, path: Path, target_dev: str | None, hotplug: bool
) -> str:
    """Attach live and persistently to a running guest, persistently to a stopped one; return
    the target dev. A volume already attached keeps its target (target_dev is then ignored)."""
    config = _config(dom)
    live = _live(dom) if hotplug and dom.isActive() else None
    current = [xml for xml in (live, config) if xml is not None]
    held = [disk for xml in current if (disk := _volume_disk(xml, volume_id)) is not None]
    target = _target_of(held[0]) if held else _free_target(current, target_dev, volume_id)
    disk = volume_disk(volume_id, path, target)
    if not hotplug:
        if not held:
            _redefine(dom, config, add=disk)
            record("libvirt", "defineXML", dom.name(), added_disk=target, volume=volume_id)
        return target
    flags = (_LIVE if live is not None and _volume_disk(live, volume_id) is None else 0) | (
        _CONFIG if _volume_disk(config, volume_id) is None else 0
    )
    if flags:
        dom.attachDeviceFlags(ET.tostring(disk, encoding="unicode"), flags)
        record("libvirt", "attachDeviceFlags", dom.name(), disk=target, volume=volume_id,
               live=bool(flags & _LIVE), config=bool(flags & _CONFIG))
    return target


def detach(
    dom: libvirt.virDomain, volume_id: UUID, hotplug: bool, timeout_s: float | None = None
) -> None:
    """Detach from the running guest (waiting until it let go, at most timeout_s, by default
    DETACH_TIMEOUT_S) and from its definition."""
    if not hotplug:
        config = _config(dom)
        disk = _volume_disk(config, volume_id)
        if disk is not None:
            _redefine(dom, config, remove=disk)
            record("libvirt", "defineXML", dom.name(), removed_disk=_target_of(disk),
                   volume=volume_id)
        return
    if dom.isActive() and _volume_disk(_live(dom), volume_id) is not None:
        _detach_live(dom, volume_id, DETACH_TIMEOUT_S if timeout_s is None else timeout_s)
    disk = _volume_disk(_config(dom), volume_id)
    if disk is not None:
        dom.detachDeviceFlags(ET.tostring(disk, encoding="unicode"), _CONFIG)
        record("libvirt", "detachDeviceFlags", dom.name(), disk=_target_of(disk),
               volume=volume_id, config=True)


def resize(dom: libvirt.virDomain, volume_id: UUID, size_bytes: int, hotplug: bool) -> None:
    """Tell the running guest that its volume's disk grew (the storage side grew the file):
    libvirt's blockResize, as Nova's extend_volume. A stopped guest sees the file's size when it
    starts; so do the test driver's, which run nothing (and it has no blockResize)."""
    running = hotplug and dom.isActive()
    disk = _volume_disk(_live(dom) if running else _config(dom), volume_id)
    if disk is None:
        raise HypervisorError(f"volume {volume_id} is not attached to guest {dom.name()}")
    if running:
        dom.blockResize(_target_of(disk), size_bytes, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
        record("libvirt", "blockResize", dom.name(), disk=_target_of(disk), volume=volume_id,
               size=size_bytes)


def attached_volumes(dom: libvirt.virDomain, hotplug: bool) -> dict[UUID, str]:
    """Volume uuid -> target dev, as the running guest has them (its definition when stopped)."""
    xml = _live(dom) if hotplug else _config(dom)
    attached = {}
    for disk in xml.iterfind("./devices/disk"):
        volume_id = _serial_uuid(disk)
        if volume_id is not None:
            attached[volume_id] = _target_of(disk)
    return attached


def volume_disk(volume_id: UUID, path: Path, target_dev: str) -> ET.Element:
    # A volume of a logical (LVM) pool is a block device, one of a directory pool a file.
    block = path.is_block_device()
    disk = ET.Element("disk", type="block" if block else "file", device="disk")
    ET.SubElement(disk, "driver", name="qemu", type="raw")
    ET.SubElement(disk, "source", {"dev" if block else "file": str(path.absolute())})
    ET.SubElement(disk, "target", dev=target_dev, bus="virtio")
    ET.SubElement(disk, "serial").text = str(volume_id)
    return disk


def _detach_live(dom: libvirt.virDomain, volume_id: UUID, timeout_s: float) -> None:
    disk = _volume_disk(_live(dom), volume_id)
    if disk is None:
        return  # released since the caller looked
    # The bound counts from here: libvirt's own call already waits up to ~5 s for the guest.
    deadline = time.monotonic() + timeout_s
    refused: libvirt.libvirtError | None = None
    try:
        # Returns once QEMU asked the guest; the guest releases the disk when it is ready.
        dom.detachDeviceFlags(ET.tostring(disk, encoding="unicode"), _LIVE)
        record("libvirt", "detachDeviceFlags", dom.name(), disk=_target_of(disk),
               volume=volume_id, live=True)
    except libvirt.libvirtError as error:
        refused = error  # perhaps an unplug an earlier call asked for is still under way
    while dom.isActive() and _volume_disk(_live(dom), volume_id) is not None:
        if time.monotonic() > deadline:
            why = f"libvirt said: {refused}" if refused else f"within {timeout_s:g}s"
            raise HypervisorError(
                f"guest {dom.name()} did not release volume {volume_id} ({why})"
            )
        time.sleep(_POLL_S)


def _free_target(definitions: list[ET.Element], wanted: str | None, volume_id: UUID) -> str:
    used = {
        _target_of(disk): disk
        for xml in definitions
        for disk in xml.iterfind("./devices/disk")
    }
    if wanted is not None:
        wanted = wanted.removeprefix("/dev/")  # Nova's API spells devices "/dev/vdb"
        if wanted in used:
            raise HypervisorError(f"cannot attach volume {volume_id} at {wanted}: in use")
        return wanted
    for target in _TARGETS:
        if target not in used:
            return target
    raise HypervisorError(f"no free disk target for volume {volume_id}")


def _volume_disk(xml: ET.Element, volume_id: UUID) -> ET.Element | None:
    for disk in xml.iterfind("./devices/disk"):
        if _serial_uuid(disk) == volume_id:
            return disk
    return None


def _serial_uuid(disk: ET.Element) -> UUID | None:
    serial = disk.findtext("serial")
    try:
        volume_id = UUID(serial or "")
    except ValueError:
        return None  # no serial, or one of its own: not one of our volumes
    return volume_id if str(volume_id) == serial else None


def _target_of(disk: ET.Element) -> str:
    target = disk.find("target")
    return target.get("dev", "") if target is not None else ""


def _live(dom: libvirt.virDomain) -> ET.Element:
    return ET.fromstring(dom.XMLDesc(0))


def _config(dom: libvirt.virDomain) -> ET.Element:
    return ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))


def _redefine(
    dom: libvirt.virDomain,
    config: ET.Element,
    add: ET.Element | None = None,
    remove: ET.Element | None = None,
) -> None:
    devices = config.find("devices")
    if devices is None:
        devices = ET.SubElement(config, "devices")
    if add is not None:
        devices.append(add)
    if remove is not None:
        devices.remove(remove)
    dom.connect().defineXML(ET.tostring(config, encoding="unicode"))
