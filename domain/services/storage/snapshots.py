"""Volume snapshot commands (Cinder's /snapshots) and the storage worker's reports on them.

A snapshot is saved with the volume it copies (which then counts it among its snapshots and
refuses deletion while it lives) and with the project's `snapshots`/`gigabytes` claim, in one
save: two concurrent requests for the last snapshot of the quota cannot both commit. The claim
is given back, and the volume let go, when the worker confirms the snapshot's deletion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.quota.ledger import QuotaLedger
from domain.services.quotas import default_limits, open_ledger
from domain.services.storage.group_members import snapshot_outcome
from domain.services.storage.lookup import Lookup, live
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume

UPDATABLE = ("name", "description", "metadata")


@dataclass(frozen=True)
class SnapshotRequest:
    volume_id: str
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    force: bool = False


def snapshot_of(ctx: RequestContext, volume: Volume, ledger: QuotaLedger,
                req: SnapshotRequest, defaults: dict[str, int] | None = None) -> Snapshot:
    """A new snapshot of `volume`, taken on the volume and claimed on `ledger`: the three to
    save together (a server's createImage saves them with its image, see
    domain/services/compute/volume_image.py). `defaults`: the default quota class's."""
    snapshot = Snapshot(str(ctx.project_id), str(ctx.user_id), volume.id.hex, req.name,
                        req.description, dict(req.metadata), volume.size, volume.host,
                        volume.volume_type_id)
    volume.take_snapshot(snapshot.id.hex, req.force)
    ledger.claim(snapshot.quota_held(), defaults)
    return snapshot


class VolumeSnapshotService(Lookup):
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def snapshot(self, ctx: RequestContext, snapshot_id: UUID | str) -> Snapshot:
        found = live(self.app, snapshot_id, Snapshot)
        if not isinstance(found, Snapshot) or (found.project_id != ctx.project_id
                                               and not ctx.is_admin):
            raise NotFound(f"Snapshot {snapshot_id} could not be found.")
        return found

    def load(self, snapshot_id: UUID | str) -> Snapshot | None:
        found = live(self.app, snapshot_id, Snapshot)
        return found if isinstance(found, Snapshot) else None

    @command
    def create(self, ctx: RequestContext, req: SnapshotRequest) -> Snapshot:
        volume = self.volume(ctx, req.volume_id)
        ledger = open_ledger(self.app, str(ctx.project_id))
        snapshot = snapshot_of(ctx, volume, ledger, req, default_limits(self.app))
        self.app.save(snapshot, volume, ledger)
        return snapshot

    @command
    def update(self, ctx: RequestContext, snapshot_id: UUID | str,
               changes: dict[str, Any]) -> Snapshot:
        snapshot = self.snapshot(ctx, snapshot_id)
        unknown = sorted(set(changes) - set(UPDATABLE))
        if unknown:
            raise InvalidInput(f"Invalid input received: cannot update {', '.join(unknown)}.")
        different = {k: v for k, v in changes.items() if getattr(snapshot, k) != v}
        if different:
            snapshot.update(different)
            self.app.save(snapshot)
        return snapshot

    @command
    def delete(self, ctx: RequestContext, snapshot_id: UUID | str,
               force: bool = False) -> Snapshot:
        """Ask the storage worker to delete the copy; `force` (administrators) from any
        status. Quota and the volume are let go when it confirms."""
        snapshot = self.snapshot(ctx, snapshot_id)
        snapshot.request_delete(force)
        self.app.save(*changed(snapshot))
        return snapshot

    @command
    def reset_status(self, ctx: RequestContext, snapshot_id: UUID | str,
                     status: str) -> Snapshot:
        snapshot = self.snapshot(ctx, snapshot_id)
        snapshot.reset_status(status)
        self.app.save(*changed(snapshot))
        return snapshot

    @command
    def update_status(self, ctx: RequestContext, snapshot_id: UUID | str, status: str,
                      progress: str | None) -> Snapshot:
        snapshot = self.snapshot(ctx, snapshot_id)
        snapshot.update_status(status, progress)
        self.app.save(*changed(snapshot))
        return snapshot

    # -- what the storage worker reports ---------------------------------------------------
    @command
    def created(self, ctx: RequestContext, snapshot_id: UUID | str, path: str) -> None:
        snapshot = self.load(snapshot_id)
        if snapshot is not None:
            snapshot.created(path)
            if snapshot.pending_events:
                self.app.save(*changed(snapshot, *snapshot_outcome(self.app, snapshot, True)))

    @command
    def create_failed(self, ctx: RequestContext, snapshot_id: UUID | str, reason: str) -> None:
        snapshot = self.load(snapshot_id)
        if snapshot is not None:
            snapshot.create_failed(reason)
            if snapshot.pending_events:
                self.app.save(*changed(snapshot, *snapshot_outcome(self.app, snapshot, False,
                                                                   reason)))

    @command
    def deleted(self, ctx: RequestContext, snapshot_id: UUID | str) -> None:
        snapshot = self.load(snapshot_id)
        if snapshot is None:
            return
        snapshot.mark_deleted()
        if not snapshot.pending_events:
            return
        ledger = open_ledger(self.app, snapshot.project_id)
        ledger.release(snapshot.quota_held())
        volume = live(self.app, snapshot.volume_id, Volume)
        if isinstance(volume, Volume):
            volume.snapshot_gone(snapshot.id.hex)
        self.app.save(*changed(snapshot, ledger, volume,
                               *snapshot_outcome(self.app, snapshot, None)))

    @command
    def delete_failed(self, ctx: RequestContext, snapshot_id: UUID | str, reason: str) -> None:
        snapshot = self.load(snapshot_id)
        if snapshot is not None:
            snapshot.delete_failed(reason)
            self.app.save(*changed(snapshot))
