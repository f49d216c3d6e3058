"""What a volume holds and what it comes from: its quota claim, its live snapshots (so it is
not deleted under them), and the image, snapshot or volume it was made from.

`snapshot_id` or `source_volid` (hex) on a new volume: the storage worker fills it with a copy
of that snapshot or volume (its `image` then only says what the source was made from). A
volume's live snapshots are added in the save that requests each snapshot and dropped in the
one that confirms its deletion; a delete of the volume is refused while any lives, unless they
are deleted with it (Cinder's cascade=true). The base of `Volume` (domain/storage/volume.py),
so that module stays about the volume's own lifecycle.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute.copies import ImageCopy
from domain.storage.quota_claims import volume_claim
from domain.storage.volume_states import (
    SNAPSHOT_SOURCES,
    SNAPSHOT_SOURCES_FORCED,
    InvalidVolume,
    VolumeStatus,
)


def no_source(state: dict[str, Any]) -> None:
    """Upcast of a Volume.Requested from before copies: made from no snapshot or volume."""
    state.update(snapshot_id=None, source_volid=None)


class VolumeHoldings(Entity):
    id: UUID
    status: VolumeStatus
    size: int
    extending_to: int | None
    image: ImageCopy | None
    snapshot_id: str | None
    source_volid: str | None
    snapshots: set[str]  # hex ids of its live snapshots
    volume_type_id: str | None

    @property
    def source_image_id(self) -> str | None:
        return self.image["id"] if self.image else None

    def quota_held(self) -> dict[str, int]:
        """What the project's ledger holds for this volume: its size, or during an extend the
        new size (claimed at the request), in total and of its type."""
        return volume_claim(max(self.size, self.extending_to or 0), self.volume_type_id)

    def copied_from(self, snapshot_id: str | None, source_volid: str | None) -> None:
        """Part of the volume's creation (called by its __init__, not an event of its own)."""
        self.snapshot_id, self.source_volid = snapshot_id, source_volid
        self.snapshots = set()

    def held_by_snapshots(self, cascade: bool) -> bool:
        """Whether snapshots keep the volume from being deleted; with `cascade` they are
        being deleted in the same save, so they do not."""
        return bool(self.snapshots) and not cascade

    def take_snapshot(self, snapshot_id: str, force: bool = False) -> None:
        """Cinder's create_snapshot: an available volume, or an in-use one with `force`."""
        allowed = SNAPSHOT_SOURCES_FORCED if force else SNAPSHOT_SOURCES
        if self.status not in allowed:
            raise InvalidVolume(f"Volume {self.id} status must be "
                                f"{', '.join(sorted(s.value for s in allowed))}, but current "
                                f"status is: {self.status.value}.")
        self._snapshot_taken(snapshot_id)

    class SnapshotTaken(Entity.Event):
        snapshot_id: str

    @event(SnapshotTaken)
    def _snapshot_taken(self, snapshot_id: str) -> None:
        self.snapshots = {*self.snapshots, snapshot_id}

    def snapshot_gone(self, snapshot_id: str) -> None:
        if snapshot_id in self.snapshots:
            self._snapshot_dropped(snapshot_id)

    class SnapshotDropped(Entity.Event):
        snapshot_id: str

    @event(SnapshotDropped)
    def _snapshot_dropped(self, snapshot_id: str) -> None:
        self.snapshots = self.snapshots - {snapshot_id}
