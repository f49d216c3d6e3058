"""Group snapshot commands (Cinder's /group_snapshots, 3.14+): create, delete, and an
administrator's status reset (3.19).

Creating one takes an ordinary snapshot of every volume of the group (snapshots.py's
snapshot_of: taken on the volume, claimed on the project's `snapshots`/`gigabytes`), all saved
with the group snapshot and the group in one save; the storage worker makes each member as it
makes any snapshot, and its reports move the group snapshot on (group_members.py). Deleting it
asks each member's deletion in one save; quota comes back as each member's deletion is confirmed.
"""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.services.quotas import default_limits, open_ledger
from domain.services.storage.group_members import members, visible_group, visible_group_snapshot
from domain.services.storage.lookup import live
from domain.services.storage.snapshots import SnapshotRequest, snapshot_of
from domain.storage.group import Group
from domain.storage.group_snapshot import GroupSnapshot
from domain.storage.snapshot import Snapshot


class GroupSnapshotService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def get(self, ctx: RequestContext, group_snapshot_id: UUID | str) -> GroupSnapshot:
        return visible_group_snapshot(self.app, ctx, group_snapshot_id)

    @command
    def create(self, ctx: RequestContext, group_id: str, name: str | None,
               description: str | None) -> GroupSnapshot:
        group = visible_group(self.app, ctx, group_id)
        volumes = members(self.app, group)
        ledger = open_ledger(self.app, str(ctx.project_id))
        defaults = default_limits(self.app)
        snapshots = [snapshot_of(ctx, v, ledger, SnapshotRequest(
            volume_id=v.id.hex, name=name, description=description, force=True), defaults)
            for v in volumes]
        gs = GroupSnapshot(str(ctx.project_id), str(ctx.user_id), group.id.hex,
                           group.group_type_id, name, description,
                           {s.volume_id: s.id.hex for s in snapshots})
        group.snapshot_taken(gs.id.hex)
        for snapshot in snapshots:
            snapshot.join_group_snapshot(gs.id.hex)
        self.app.save(gs, group, ledger, *snapshots, *volumes)
        return gs

    @command
    def delete(self, ctx: RequestContext, group_snapshot_id: UUID | str) -> GroupSnapshot:
        gs = self.get(ctx, group_snapshot_id)
        gs.request_delete()
        snapshots = []
        for snapshot_id in sorted(gs.snapshots.values()):
            snapshot = live(self.app, snapshot_id, Snapshot)
            if isinstance(snapshot, Snapshot):
                snapshot.request_delete(with_group=True)
                snapshots.append(snapshot)
            else:  # gone some other way (a volume's cascade): nothing left to wait for
                gs.member_gone(snapshot_id)
        group = live(self.app, gs.group_id, Group) if gs.deleted else None
        if isinstance(group, Group):
            group.snapshot_gone(gs.id.hex)
        self.app.save(*changed(*snapshots, gs, group))
        return gs

    @command
    def reset_status(self, ctx: RequestContext, group_snapshot_id: UUID | str,
                     status: str) -> GroupSnapshot:
        gs = self.get(ctx, group_snapshot_id)
        gs.reset_status(status)
        self.app.save(*changed(gs))
        return gs
