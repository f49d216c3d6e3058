"""What a new volume is copied from: a snapshot (`snapshot_id`) or another volume
(`source_volid`, a clone), with Cinder's checks. The copy is made in the source's pool, so the
new volume goes to the source's storage host, whatever placement said; it takes the source's
size and type unless the request names its own, and never a smaller size."""

from __future__ import annotations

from dataclasses import dataclass

from domain.compute.copies import ImageCopy
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.services.storage.lookup import Lookup, live
from domain.storage.snapshot import Snapshot, SnapshotStatus
from domain.storage.volume_states import SNAPSHOT_SOURCES_FORCED


@dataclass(frozen=True)
class Source:
    id: str  # hex
    snapshot: bool  # a snapshot's copy; else a volume
    size: int
    host: str | None
    volume_type_id: str | None
    image: ImageCopy | None  # what the source was made from (a clone stays bootable)

    def check_size(self, size: int) -> None:
        if size < self.size:
            what = "snapshot" if self.snapshot else "source volume"
            raise InvalidInput(f"Invalid input received: Volume size '{size}'GB cannot be "
                               f"smaller than the {what} size {self.size}GB. They must be >= "
                               f"original {what} size.")


def copied_from(service: Lookup, ctx: RequestContext, snapshot_id: str | None,
                source_volid: str | None) -> Source | None:
    """The snapshot or volume (hex or dashed id) a volume request names, as the caller may
    copy it (Cinder's 404 for one it cannot see, 400 for one not ready)."""
    if snapshot_id is not None and source_volid is not None:
        raise InvalidInput("Invalid input received: snapshot_id and source_volid cannot both "
                           "be given.")
    if snapshot_id is not None:
        snapshot = live(service.app, snapshot_id, Snapshot)
        if not isinstance(snapshot, Snapshot) or (snapshot.project_id != ctx.project_id
                                                  and not ctx.is_admin):
            raise NotFound(f"Snapshot {snapshot_id} could not be found.")
        if snapshot.status is not SnapshotStatus.AVAILABLE:
            raise InvalidInput("Invalid input received: Originating snapshot status must be "
                               "one of 'available' values")
        return Source(snapshot.id.hex, True, snapshot.size, snapshot.host,
                      snapshot.volume_type_id, None)
    if source_volid is not None:
        volume = service.volume(ctx, source_volid)
        if volume.status not in SNAPSHOT_SOURCES_FORCED:
            raise InvalidInput("Invalid input received: Unable to create a volume from an "
                               "originating source volume when its status is not 'available' "
                               "or 'in-use'.")
        return Source(volume.id.hex, False, volume.size, volume.host, volume.volume_type_id,
                      volume.image)
    return None
