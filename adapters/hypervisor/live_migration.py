"""Live migration of a libvirt domain to another host's libvirtd, peer to peer.

The source's libvirtd connects to the destination's (`dest_uri`, e.g. qemu+tcp://HOST/system)
and QEMU streams the guest's memory over `migrate_uri` (tcp://HOST), as Nova's libvirt driver
does with live_migration_with_native_tls off. Without shared storage the guest's local disks
(its root overlay and ephemeral disk) are copied too (VIR_MIGRATE_NON_SHARED_INC: the overlay's
own clusters; the base image must already be on the destination: `prepare_incoming`, Nova's
pre_live_migration, puts it into that host's image cache, base_images.py), into files the
destination made first, backed onto it. Attached volumes are never copied: they are
reachable from both hosts.

The destination may keep its guests' files under another directory than the source: the
domain's XML is sent with the source's state directory replaced by the destination's.

While the guest moves (migrateToURI3 blocks, in a helper thread: libvirt-python lets go of
the GIL) the calling thread asks `control` what the API asked of the move (steering.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import libvirt

from adapters.hypervisor.steering import steer
from domain.compute.backends import LiveControl, MigrationTarget, no_control
from domain.process.effects import record

LIVE_FLAGS = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
              | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)


def migrate(dom: libvirt.virDomain, target: MigrationTarget, own_dir: Path,
            control: LiveControl = no_control, bandwidth_mib_s: int = 0) -> None:
    """Move the running `dom` to `target`; returns once the guest runs there (and is gone
    here). A refusal or failure raises libvirt's error, the guest still running here."""
    dest_dir = target.state_dir
    xml = dest_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE), own_dir, dest_dir)
    params: dict[str, object] = {libvirt.VIR_MIGRATE_PARAM_URI: target.migrate_uri,
                                 libvirt.VIR_MIGRATE_PARAM_DEST_XML: xml,
                                 libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: xml}
    if bandwidth_mib_s > 0:
        params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = bandwidth_mib_s
    flags = LIVE_FLAGS
    disks = local_disks(xml, dest_dir)
    if target.copy_disks and disks:
        flags |= libvirt.VIR_MIGRATE_NON_SHARED_INC
        params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = disks
    if len(disks) < len(ET.fromstring(xml).findall("./devices/disk[@device='disk']")):
        # Attached volumes stay where they are, reachable from both hosts (the volume
        # service's storage); libvirt cannot tell that of a file it does not see as shared.
        flags |= libvirt.VIR_MIGRATE_UNSAFE
    steer(dom, lambda: dom.migrateToURI3(target.hypervisor_uri, params, flags), control)
    record("libvirt", "migrateToURI3", dom.name(), to=target.hypervisor_uri)


def dest_xml(xml: str, own_dir: Path, dest_dir: Path) -> str:
    """The domain as the destination defines it: every file under `own_dir` moved under
    `dest_dir` (disks, the console log, the kernel and initrd from the host's image cache)."""
    own, dest = str(own_dir.absolute()), str(dest_dir.absolute())
    if own == dest:
        return xml
    def moved(value: str | None) -> str | None:
        if value is not None and (value == own or value.startswith(own + "/")):
            return dest + value[len(own):]
        return None

    root = ET.fromstring(xml)
    for source in root.iterfind("./devices/*/source"):
        for attr in ("file", "path"):
            path = moved(source.get(attr))
            if path is not None:
                source.set(attr, path)
    for boot_file in (*root.iterfind("./os/kernel"), *root.iterfind("./os/initrd")):
        path = moved(boot_file.text)  # the host's cached copies (base_images.py)
        if path is not None:
            boot_file.text = path
    return ET.tostring(root, encoding="unicode")


def local_disks(xml: str, state_dir: Path) -> list[str]:
    """The target devs of the disks this host made for the guest (under its state directory):
    the ones to copy. Volumes live elsewhere and stay where they are."""
    under = str(state_dir.absolute()) + "/"
    root = ET.fromstring(xml)
    return [disk.find("target").get("dev", "")  # type: ignore[union-attr]
            for disk in root.iterfind("./devices/disk[@device='disk']")
            if (disk.find("source") is not None
                and (disk.find("source").get("file") or "").startswith(under))]  # type: ignore[union-attr]
