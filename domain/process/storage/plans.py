"""What the volume worker does about one volume, decided from the volume's current state.

The worker is level-triggered like the compute worker: a request event only says "look at this
volume now". The decision follows from the volume as it is, so a replay after a crash converges:
a Requested event of a volume that is available by now asks for nothing, and a replayed create
finds the backend volume it already made (the backend is idempotent by volume id).

An event acts only while the volume is still in the status that event put it in; when the
volume has moved on, a later event in the log moved it and is acted on (under its own request
id) when its turn comes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.storage.backends import SourceRef
from domain.storage.volume import Volume
from domain.storage.volume_states import LOSABLE, VolumeStatus

# Glance disk formats and how qemu-img names each; a format missing here is probed by qemu-img
# (the backend refuses any image that refers to other files, whatever its format).
QEMU_FORMATS = {"qcow2": "qcow2", "raw": "raw", "ami": "raw", "iso": "raw", "vmdk": "vmdk",
                "vdi": "vdi", "vhd": "vpc", "vhdx": "vhdx", "ploop": "parallels"}


class Kind(enum.Enum):
    CREATE = "create"
    EXTEND = "extend"
    DELETE = "delete"


KINDS: dict[type[Volume.Event], Kind] = {
    Volume.Requested: Kind.CREATE,
    Volume.ExtendRequested: Kind.EXTEND,
    Volume.DeleteRequested: Kind.DELETE,
}
TOPICS: tuple[str, ...] = tuple(get_topic(cls) for cls in KINDS)
# Every request a user can make of a volume: one made after an event supersedes that event.
REQUEST_EVENTS: tuple[type[Volume.Event], ...] = (
    *KINDS, Volume.AttachRequested, Volume.DetachRequested, Volume.StatusReset)
# The status each request leaves the volume in while the worker is to act on it.
BUSY = {Kind.CREATE: VolumeStatus.CREATING, Kind.EXTEND: VolumeStatus.EXTENDING,
        Kind.DELETE: VolumeStatus.DELETING}


@dataclass(frozen=True)
class ImageSource:
    content_hash: str
    qemu_format: str | None  # None: qemu-img probes it


@dataclass(frozen=True)
class Plan:
    kind: Kind
    volume_id: UUID
    size_gib: int  # create: the volume's size; extend: the size to grow to
    image: ImageSource | None = None  # create from this image (None: an empty volume)
    missing_image: str | None = None  # why the image cannot be used: the create fails
    source: SourceRef | None = None  # create as a copy of this snapshot or volume


def decide(kind: Kind, volume: Volume | None, host: str) -> Plan | None:
    """What to do now for a request of `kind` on this volume, on storage host `host`; None
    when there is nothing to do (not ours, gone, moved on, or made by someone else)."""
    if volume is None or volume.deleted or volume.host != host:
        return None
    if volume.status is not BUSY[kind]:
        return None
    if kind is Kind.CREATE:
        if getattr(volume, "boot_of", None):
            return None  # a boot-from-volume root disk: the compute worker makes it
        return _create(volume)
    if kind is Kind.EXTEND:
        if volume.extending_to is None:
            return None
        return Plan(kind, volume.id, volume.extending_to)
    return Plan(kind, volume.id, volume.size)


def _create(volume: Volume) -> Plan:
    if volume.snapshot_id:
        return Plan(Kind.CREATE, volume.id, volume.size,
                    source=SourceRef(UUID(volume.snapshot_id), snapshot=True))
    if volume.source_volid:
        return Plan(Kind.CREATE, volume.id, volume.size,
                    source=SourceRef(UUID(volume.source_volid)))
    if volume.image is None:
        return Plan(Kind.CREATE, volume.id, volume.size)
    content_hash = volume.image.get("content_hash")
    if not content_hash:
        return Plan(Kind.CREATE, volume.id, volume.size,
                    missing_image=f"Image {volume.image.get('id')} has no data.")
    source = ImageSource(str(content_hash), QEMU_FORMATS.get(volume.image.get("disk_format")
                                                            or ""))
    return Plan(Kind.CREATE, volume.id, volume.size, image=source)


def needs_backing(volume: Volume, host: str) -> bool:
    """Whether the backend of `host` must hold this volume now (its absence is drift)."""
    return not volume.deleted and volume.host == host and volume.status in LOSABLE
