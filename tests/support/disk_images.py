"""Small disk images for the format inspector to judge: an empty qcow2 (qemu-img's), a bare qcow2
header with a backing file or an external data file, a VMDK descriptor naming an extent, and an
ISO 9660 volume. Real enough for oslo.utils' inspector (and the first for qemu); none boots."""

from __future__ import annotations

import struct
import subprocess
import tempfile
from functools import cache
from pathlib import Path

QCOW2_MAGIC = b"QFI\xfb"
INCOMPAT_DATA_FILE = 1 << 2  # qcow2 incompatible feature bit: data in an external file


def tiny_qcow2(payload: bytes = b"") -> bytes:
    """A real (empty, 1 MiB) qcow2 as qemu-img makes it, so a worker can convert it, then
    `payload` past its last cluster (to make images distinct; qemu ignores it)."""
    return empty_qcow2() + payload


@cache
def empty_qcow2() -> bytes:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "empty.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "1M"], check=True)
        return path.read_bytes()


def qcow2_header(backing_file: str | None = None, data_file: bool = False,
                 virtual_size: int = 1 << 20) -> bytes:
    """A bare qcow2 v3 header (104 bytes, padded to 512), then an optional backing file name:
    enough for the format inspector, which reads no further."""
    backing = (backing_file or "").encode()
    features = INCOMPAT_DATA_FILE if data_file else 0
    header = struct.pack(">4sIQIIQIIQQIIQQQQII", QCOW2_MAGIC, 3, 512 if backing else 0,
                         len(backing), 16, virtual_size, 0, 0, 0, 0, 0, 0, 0, features, 0, 0, 4,
                         104)
    return header.ljust(512, b"\0") + backing


def vmdk_with_extent(extent: str = "/etc/shadow") -> bytes:
    """A monolithic-flat VMDK descriptor: its data lives in another file, named here."""
    descriptor = ("# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
                  'createType="monolithicFlat"\n\n# Extent description\n'
                  f'RW 2048 FLAT "{extent}" 0\n')
    return descriptor.encode()


def iso9660(payload: bytes = b"") -> bytes:
    """An ISO 9660 image: 16 empty sectors, then a primary volume descriptor ("CD001")."""
    sector = 2048
    descriptor = bytes([1]) + b"CD001" + bytes([1]) + b"\0" * (sector - 7)
    # Logical block size (offset 128) and volume space size (offset 80), both-endian.
    descriptor = (descriptor[:80] + struct.pack("<I", 17) + struct.pack(">I", 17)
                  + descriptor[88:128] + struct.pack("<H", sector) + struct.pack(">H", sector)
                  + descriptor[132:])
    return b"\0" * (16 * sector) + descriptor + payload.ljust(sector, b"\0")


def fake_qcow2(payload: bytes = b"") -> bytes:
    """A qcow2 header and then `payload`: the format inspector accepts it, qemu cannot read it
    (it has no tables), as a fleet's stand-in images need not be real disks."""
    return qcow2_header() + payload
