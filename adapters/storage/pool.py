"""The libvirt storage pool that holds the volumes, and the volume XML written into it.

The pool is named by configuration: whatever pool of that name libvirt already has (dir, fs,
logical, ...) is used as it is. Only when there is none is a directory pool defined at the
configured directory, built, started and marked autostart, so that volumes survive a restart of
libvirtd or of the host.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import libvirt

from domain.process.effects import record

# Pools whose volumes are files: there a volume is made sparse (no space taken until written),
# as Cinder's file-based drivers do. Other pools (logical, ...) get their native allocation; a
# logical pool would turn a smaller allocation into a snapshot-backed volume.
FILE_POOL_TYPES = frozenset({"dir", "fs", "netfs"})


def ensure_pool(conn: libvirt.virConnect, name: str, directory: Path) -> libvirt.virStoragePool:
    pool = _lookup(conn, name)
    if pool is None:
        pool = _define_dir_pool(conn, name, directory)
    if not pool.isActive():
        try:
            pool.create(0)
            record("libvirt", "storagePoolCreate", name)
        except libvirt.libvirtError:
            if not pool.isActive():  # else another process started it meanwhile
                raise
    return pool


def pool_type(pool: libvirt.virStoragePool) -> str:
    return ET.fromstring(pool.XMLDesc(0)).get("type", "")


def volume_xml(name: str, capacity_bytes: int, sparse: bool) -> str:
    volume = ET.Element("volume")
    ET.SubElement(volume, "name").text = name
    ET.SubElement(volume, "capacity", unit="bytes").text = str(capacity_bytes)
    if sparse:
        ET.SubElement(volume, "allocation", unit="bytes").text = "0"
    target = ET.SubElement(volume, "target")
    ET.SubElement(target, "format", type="raw")
    return ET.tostring(volume, encoding="unicode")


def volume_format(volume: libvirt.virStorageVol) -> str:
    found = ET.fromstring(volume.XMLDesc(0)).find("./target/format")
    return found.get("type", "raw") if found is not None else "raw"  # block volumes name none


def _define_dir_pool(
    conn: libvirt.virConnect, name: str, directory: Path
) -> libvirt.virStoragePool:
    pool_el = ET.Element("pool", type="dir")
    ET.SubElement(pool_el, "name").text = name
    target = ET.SubElement(pool_el, "target")
    # libvirtd resolves a relative path against its own working directory, not ours.
    ET.SubElement(target, "path").text = str(directory.absolute())
    try:
        pool = conn.storagePoolDefineXML(ET.tostring(pool_el, encoding="unicode"), 0)
    except libvirt.libvirtError:
        pool = _lookup(conn, name)  # another process defined it first: use theirs
        if pool is None:
            raise
        return pool
    pool.build(0)  # makes the directory
    pool.setAutostart(1)
    record("libvirt", "storagePoolDefineXML", name, path=directory.absolute())
    return pool


def _lookup(conn: libvirt.virConnect, name: str) -> libvirt.virStoragePool | None:
    try:
        return conn.storagePoolLookupByName(name)
    except libvirt.libvirtError as error:
        if error.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL:
            return None
        raise
