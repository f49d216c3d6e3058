"""The volume worker's part in snapshots: copy a volume into its snapshot, delete the copy.

Level-triggered like the volume plans: a Requested or DeleteRequested event says "look at this
snapshot now", and the snapshot's current status decides (creating: copy it; deleting: delete
the copy). The backend calls are idempotent by snapshot id and the outcomes are recorded only
while the snapshot still waits for them, so a replay after a crash converges.
"""

from __future__ import annotations

import logging
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.base import Entity
from domain.context import RequestContext
from domain.services.storage.snapshots import VolumeSnapshotService
from domain.storage.backends import VolumeBackend, VolumeBackendError
from domain.storage.snapshot import Snapshot, SnapshotStatus

log = logging.getLogger(__name__)

EVENTS = (Snapshot.Requested, Snapshot.DeleteRequested)
TOPICS: tuple[str, ...] = tuple(get_topic(cls) for cls in EVENTS)


class SnapshotWork:
    def __init__(self, backend: VolumeBackend, snapshots: VolumeSnapshotService,
                 host: str) -> None:
        self.backend, self.snapshots, self.host = backend, snapshots, host

    def handles(self, event: Entity.Event) -> bool:
        return isinstance(event, EVENTS)

    def due(self, event: Entity.Event) -> Snapshot | None:
        """The snapshot, when this event still asks this host for something."""
        snapshot = self.snapshots.load(event.originator_id)
        if snapshot is None or snapshot.host != self.host:
            return None
        wanted = SnapshotStatus.CREATING if isinstance(event, Snapshot.Requested) \
            else SnapshotStatus.DELETING
        return snapshot if snapshot.status is wanted else None

    def carry_out(self, snapshot: Snapshot, ctx: RequestContext) -> None:
        snapshot_id = snapshot.id
        creating = snapshot.status is SnapshotStatus.CREATING
        log.info("host %s: %s snapshot %s (%s)", self.host,
                 "create" if creating else "delete", snapshot_id, ctx.request_id)
        try:
            if creating:
                info = self.backend.snapshot(snapshot_id, UUID(snapshot.volume_id))
                self.snapshots.created(ctx, snapshot_id, str(info.path))
            else:
                self.backend.delete_snapshot(snapshot_id)
                self.snapshots.deleted(ctx, snapshot_id)
        except VolumeBackendError as error:
            reason = str(error) or type(error).__name__
            log.warning("host %s: snapshot %s failed: %s", self.host, snapshot_id, reason)
            if creating:
                self.snapshots.create_failed(ctx, snapshot_id, reason)
            else:
                self.snapshots.delete_failed(ctx, snapshot_id, reason)
