"""Libvirt domain XML, written and read in this one module (as Nova keeps it in its config module).

Built with ElementTree rather than string formatting so that paths and names are always escaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from adapters.hypervisor.guest_files import GuestFiles
from adapters.hypervisor.volume_attach import volume_disk
from domain.compute.backends import GuestNic, GuestSpec

# Domain types libvirt accepts here: "test" for the test driver, "qemu" for TCG, "kvm" where the
# CPU really has VT-x/AMD-V (a /dev/kvm node alone is not enough: such guests hang).
VIRT_TYPES = ("test", "qemu", "kvm")


RESCUE = "rescue"  # the description that marks a rescue guest


def build_domain_xml(spec: GuestSpec, virt_type: str, files: GuestFiles,
                     rescued_root: Path | None = None) -> str:
    """`rescued_root`: a rescue guest's: the guest's own root disk, kept as its next disk."""
    if virt_type not in VIRT_TYPES:
        raise ValueError(f"virt_type must be one of {VIRT_TYPES}, not {virt_type!r}")
    dom = ET.Element("domain", type=virt_type)
    # The name is the instance uuid: that is what makes spawn idempotent
    # (see domain.compute.backends).
    _text(dom, "name", str(spec.instance_id))
    _text(dom, "uuid", str(spec.instance_id))
    _text(dom, "title", " ".join(spec.name.split()))  # libvirt refuses newlines here
    if rescued_root is not None:
        _text(dom, "description", RESCUE)
    _text(dom, "memory", str(spec.memory_mib), unit="MiB")
    _text(dom, "vcpu", str(spec.vcpus))
    dom.append(_os(spec))
    features = ET.SubElement(dom, "features")
    ET.SubElement(features, "acpi")  # needed for ACPI shutdown/reboot and for NIC hotplug
    ET.SubElement(features, "apic")
    ET.SubElement(dom, "clock", offset="utc")
    devices = ET.SubElement(dom, "devices")
    targets = iter(("vda", "vdb"))
    if spec.root_disk is not None:
        devices.append(_disk(files.root, next(targets), "qcow2"))
    elif spec.root_volume is not None:
        # Boot from volume: the volume is vda, raw, with its uuid as serial like any attached
        # volume (volume_attach.py finds it by that); no overlay is made (guest_files.py).
        root = spec.root_volume
        devices.append(volume_disk(root.volume_id, root.path, next(targets)))
    if spec.rescued_volume is not None:  # a volume-backed server's rescue guest
        devices.append(volume_disk(spec.rescued_volume.volume_id, spec.rescued_volume.path,
                                   next(targets)))
    elif rescued_root is not None:
        devices.append(_disk(rescued_root, next(targets), "qcow2"))
    if spec.ephemeral_gib:
        devices.append(_disk(files.ephemeral, next(targets), "raw"))
    # Attached volumes, as volume_attach.py attaches them: a guest rebuilt from its spec keeps
    # them where the guest had them.
    devices.extend(volume_disk(v.volume_id, v.path, v.target_dev) for v in spec.volumes)
    if spec.config_drive is not None:
        devices.append(_cdrom(files.config_drive))
    devices.extend(interface_xml(nic) for nic in spec.nics)
    devices.append(_serial_log(spec.console_log or files.console_log))
    return ET.tostring(dom, encoding="unicode")


def is_rescue(domain_xml: str) -> bool:
    return ET.fromstring(domain_xml).findtext("description") == RESCUE


def console_log_path(domain_xml: str) -> Path | None:
    """The file the first serial port writes to, if it is a file serial."""
    serial = ET.fromstring(domain_xml).find("./devices/serial[@type='file']/source")
    path = serial.get("path") if serial is not None else None
    return Path(path) if path else None


def _os(spec: GuestSpec) -> ET.Element:
    os_el = ET.Element("os")
    _text(os_el, "type", "hvm", arch="x86_64")
    if spec.kernel is not None:
        _text(os_el, "kernel", _abs(spec.kernel.kernel))
        if spec.kernel.initrd is not None:
            _text(os_el, "initrd", _abs(spec.kernel.initrd))
        _text(os_el, "cmdline", spec.kernel.cmdline)
    else:
        ET.SubElement(os_el, "boot", dev="hd")
    return os_el


def _disk(path: Path, target: str, disk_format: str) -> ET.Element:
    disk = ET.Element("disk", type="file", device="disk")
    ET.SubElement(disk, "driver", name="qemu", type=disk_format)
    ET.SubElement(disk, "source", file=_abs(path))
    ET.SubElement(disk, "target", dev=target, bus="virtio")
    return disk


def _cdrom(path: Path) -> ET.Element:
    # As Nova attaches a config drive to a guest of the pc machine type: a read-only CD-ROM on
    # the last IDE slot, clear of the virtio disks.
    disk = ET.Element("disk", type="file", device="cdrom")
    ET.SubElement(disk, "driver", name="qemu", type="raw")
    ET.SubElement(disk, "source", file=_abs(path))
    ET.SubElement(disk, "target", dev="hdd", bus="ide")
    ET.SubElement(disk, "readonly")
    return disk


def interface_xml(nic: GuestNic) -> ET.Element:
    interface = ET.Element("interface", type="bridge")
    ET.SubElement(interface, "mac", address=nic.mac)
    ET.SubElement(interface, "source", bridge=nic.bridge)
    if nic.device:  # named after the port, as the network agent's security groups expect it
        ET.SubElement(interface, "target", dev=nic.device)
    ET.SubElement(interface, "model", type="virtio")
    return interface


def _serial_log(path: Path) -> ET.Element:
    # append='on': QEMU would otherwise truncate the file each time it (re)starts, and the console
    # log of an instance should survive a hard reboot or stop/start, as Nova's does.
    serial = ET.Element("serial", type="file")
    ET.SubElement(serial, "source", path=_abs(path), append="on")
    ET.SubElement(serial, "target", port="0")
    return serial


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _abs(path: Path) -> str:
    # libvirtd resolves a relative path against its own working directory, not the caller's.
    return str(path.absolute())
