"""The volume backend: what a volume process manager asks of a host's storage pool.

Every call is keyed by the volume uuid, which is also the volume's name in the pool: a worker
killed between "volume made" and "VolumeCreated recorded" replays the same `create` and finds
the volume it made instead of making a second one, as the hypervisor port does for guests. A
volume is only ever visible under its uuid once it is complete (a half-converted image never
is), so "it exists" means "it is whole".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID

GIB = 2**30


class VolumeBackendError(Exception):
    """The storage backend refused or failed an action (the message says why)."""


class VolumeNotFound(VolumeBackendError):
    def __init__(self, volume_id: UUID) -> None:
        self.volume_id = volume_id
        super().__init__(f"no volume {volume_id} in the pool")


class ImageTooLarge(VolumeBackendError):
    """The image's virtual disk is bigger than the volume it was to be written into."""

    def __init__(self, virtual_size_bytes: int, size_gib: int) -> None:
        self.virtual_size_bytes, self.size_gib = virtual_size_bytes, size_gib
        needed_gib = -(-virtual_size_bytes // GIB)
        super().__init__(
            f"the image's virtual size is {virtual_size_bytes} bytes ({needed_gib} GiB) and does"
            f" not fit in a volume of {size_gib} GiB"
        )


class UnsafeImage(VolumeBackendError):
    """The image refers to other files (a backing file or an external data file): converting it
    would read files of the host, so it is refused."""


class VolumeShrinkRefused(VolumeBackendError):
    def __init__(self, volume_id: UUID, capacity_bytes: int, size_gib: int) -> None:
        super().__init__(
            f"volume {volume_id} holds {capacity_bytes} bytes; it cannot shrink to {size_gib} GiB"
        )


@dataclass(frozen=True)
class VolumeInfo:
    path: Path  # what a guest's disk points at: a file, or a block device for e.g. LVM pools
    capacity_bytes: int  # the size the guest sees
    format: str  # "raw" for every volume this port makes

    @property
    def size_gib(self) -> int:
        return -(-self.capacity_bytes // GIB)  # rounded up, as Cinder counts sizes


@dataclass(frozen=True)
class SourceRef:
    """What a new volume is copied from: a volume, or a snapshot, of the same pool."""

    id: UUID
    snapshot: bool = False


class RootVolumeBackend(Protocol):
    """What a compute host asks of a storage pool: a volume-backed server's new root volume, and
    its removal when the spawn fails (adapters/storage/lazy_pool.py opens the pool only then).
    Volumes are named by their uuid; every action is idempotent."""

    def create(
        self,
        volume_id: UUID,
        size_gib: int,
        source: Path | None = None,
        source_format: str | None = None,
    ) -> VolumeInfo:
        """An empty (all zeros) raw volume of size_gib, or, with `source`, the image converted to
        raw and grown to size_gib. An existing volume is returned as it is. Raises ImageTooLarge
        if the image's virtual size exceeds size_gib, UnsafeImage for an image referring to other
        files. `source_format` (e.g. "qcow2", as the image service records it) is probed when
        None."""

    def delete(self, volume_id: UUID) -> None:
        """Delete the volume and its data; a missing volume is success."""


class VolumeBackend(RootVolumeBackend, Protocol):
    """One storage pool holding volumes named by their uuid. Every action is idempotent."""

    def extend(self, volume_id: UUID, size_gib: int) -> VolumeInfo:
        """Grow the volume to size_gib (its data kept); its current size is a no-op. Raises
        VolumeNotFound, or VolumeShrinkRefused for a size below the current one."""

    def copy(self, volume_id: UUID, size_gib: int, source: SourceRef) -> VolumeInfo:
        """A new volume holding the data of `source` (a volume of this pool, or a snapshot),
        grown to size_gib. An existing volume is returned as it is. Raises VolumeNotFound when
        the source is not in the pool."""

    def snapshot(self, snapshot_id: UUID, volume_id: UUID) -> VolumeInfo:
        """A copy of the volume's data as it is now, kept under the snapshot's id (apart from
        the volumes: list_volumes never shows it). An existing snapshot is returned as it is."""

    def delete_snapshot(self, snapshot_id: UUID) -> None:
        """Delete the snapshot's copy; a missing one is success."""

    def export(self, source: SourceRef, destination: Path) -> None:
        """Write the data of `source` (a volume or snapshot of the pool) into the file
        `destination` (a backup's). Raises VolumeNotFound when the pool has no such source."""

    def restore(self, volume_id: UUID, size_gib: int, source: Path) -> VolumeInfo:
        """Write the file `source` (a backup's data) over the volume, made at size_gib first
        when the pool has none of that id. Idempotent: the whole file is written each time."""

    def export_image(self, volume_id: UUID, target: Path, target_format: str) -> None:
        """Write the volume's data into a new image file at `target`, in `target_format`
        (qemu-img's name: raw, qcow2, vpc, ...). Raises VolumeNotFound."""

    def info(self, volume_id: UUID) -> VolumeInfo | None: ...

    def list_volumes(self) -> dict[UUID, VolumeInfo]:
        """The volumes of the pool named by a uuid, as the pool holds them now (a file removed
        behind the pool's back is not listed); others in the pool are ignored."""

    def capacity(self) -> tuple[int, int]:
        """The pool's (total, free) bytes, as its volume service reports them."""


class BackupStore(Protocol):
    """Where a storage host keeps backups: one file per backup, named by its id (Cinder's posix
    backup driver). Every action is idempotent by backup id."""

    def write(self, backup_id: UUID, fill: Callable[[Path], None]) -> int:
        """The backup's file, filled by `fill` (given a staging path, renamed into place only
        once complete) unless it is already whole; returns its size in bytes."""

    def link(self, backup_id: UUID, data_of: UUID) -> int | None:
        """Keep the data of backup `data_of` also under `backup_id` (an imported record);
        returns its size in bytes, None when the store has no data of `data_of`."""

    def path(self, backup_id: UUID) -> Path | None:
        """The backup's whole file, or None."""

    def delete(self, backup_id: UUID) -> None:
        """Remove the backup's file; a missing one is success."""
