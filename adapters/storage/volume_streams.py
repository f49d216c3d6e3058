"""Copying a pool volume's data to and from a file through libvirt streams
(virStorageVolDownload/Upload), which work for every pool type, files or block devices alike.

libvirt's test driver has no streams and its volumes hold no data, only a size: there a volume
reads as a sparse file of its size (all zeros) and writing one changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import libvirt

from domain.process.effects import record


def download(conn: libvirt.virConnect, volume: libvirt.virStorageVol, destination: Path,
             is_test: bool) -> None:
    capacity = volume.info()[1]
    with destination.open("wb") as out:
        if is_test:
            out.truncate(capacity)
        else:
            stream = conn.newStream(0)
            volume.download(stream, 0, capacity, 0)
            stream.recvAll(_write, out)
            stream.finish()
    record("libvirt", "storageVolDownload", volume.name(), bytes=capacity)


def upload(conn: libvirt.virConnect, volume: libvirt.virStorageVol, source: Path,
           is_test: bool) -> None:
    length = source.stat().st_size
    if not is_test:
        stream = conn.newStream(0)
        volume.upload(stream, 0, length, 0)
        with source.open("rb") as data:
            stream.sendAll(_read, data)
        stream.finish()
    record("libvirt", "storageVolUpload", volume.name(), bytes=length)


def _write(_stream: libvirt.virStream, data: bytes, out: BinaryIO) -> int:
    return out.write(data)


def _read(_stream: libvirt.virStream, nbytes: int, data: BinaryIO) -> bytes:
    return data.read(nbytes)
