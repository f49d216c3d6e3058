"""Generic volume group commands (Cinder's /groups, 3.13+): create (empty, or from a group
snapshot or another group, 3.14), update (name, description, add and remove volumes), delete
(with its volumes, `delete_volumes`), and an administrator's status reset (3.20).

A group is saved with the project's `groups` claim (given back when it is deleted), and a group
made from a source with all its volumes, each claimed as a volume is (volumes.py's build), in
one save. Volumes joining or leaving are saved with the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.services.quotas import default_limits, open_ledger
from domain.services.storage.group_members import members, visible_group, visible_group_snapshot
from domain.services.storage.lookup import live
from domain.services.storage.types import usable_type
from domain.services.storage.volumes import VolumeRequest, VolumeService
from domain.storage.group import UPDATABLE, Group, GroupStatus
from domain.storage.group_snapshot import GroupSnapshotStatus
from domain.storage.group_type import GroupType
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume
from domain.storage.volume_type import DEFAULT_TYPE_ID, VolumeType


@dataclass(frozen=True)
class GroupRequest:
    group_type: str | None  # id
    volume_types: tuple[str, ...]  # ids or names
    name: str | None = None
    description: str | None = None
    availability_zone: str | None = None


@dataclass(frozen=True)
class MemberChanges:
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


class VolumeGroupService:
    def __init__(self, app: SkyLedger, volumes: VolumeService) -> None:
        self.app, self.volumes = app, volumes

    def get(self, ctx: RequestContext, group_id: UUID | str) -> Group:
        return visible_group(self.app, ctx, group_id)

    @command
    def create(self, ctx: RequestContext, req: GroupRequest) -> Group:
        gtype = live(self.app, req.group_type, GroupType) if req.group_type else None
        if not isinstance(gtype, GroupType):
            raise NotFound(f"Group type with id {req.group_type} could not be found.") \
                if req.group_type else InvalidInput("Invalid input received: group_type must "
                                                    "be provided to create group.")
        if not req.volume_types:
            raise InvalidInput("Invalid input received: volume_types must be provided to "
                               "create group.")
        type_ids = []
        for ref in req.volume_types:
            vtype = usable_type(self.app, ctx, ref)
            type_ids.append(vtype.id.hex if vtype else DEFAULT_TYPE_ID.hex)
        zone = req.availability_zone or self.volumes.availability_zone
        if zone != self.volumes.availability_zone:
            raise InvalidInput(f"Invalid input received: Availability zone '{zone}' is invalid.")
        ledger = open_ledger(self.app, str(ctx.project_id))
        ledger.claim(Group.quota_held(), default_limits(self.app))
        group = Group(str(ctx.project_id), str(ctx.user_id), req.name, req.description,
                      gtype.id.hex, list(dict.fromkeys(type_ids)), zone)
        self.app.save(group, ledger)
        return group

    @command
    def create_from_source(self, ctx: RequestContext, name: str | None,
                           description: str | None, group_snapshot_id: str | None = None,
                           source_group_id: str | None = None) -> Group:
        """A copy of each member snapshot of the group snapshot, or of each volume of the
        source group, made by the storage worker; the group is creating until it has."""
        if (group_snapshot_id is None) == (source_group_id is None):
            raise InvalidInput("Invalid input received: Either 'group_snapshot_id' or "
                               "'source_group_id' must be provided to create group from "
                               "source.")
        requests: list[VolumeRequest] = []
        if group_snapshot_id is not None:
            gs = visible_group_snapshot(self.app, ctx, group_snapshot_id)
            if gs.status is not GroupSnapshotStatus.AVAILABLE:
                raise InvalidInput("Invalid input received: Group snapshot status must be "
                                   "available.")
            source = live(self.app, gs.group_id, Group)
            for snapshot_id in sorted(gs.snapshots.values()):
                snapshot = live(self.app, snapshot_id, Snapshot)
                if isinstance(snapshot, Snapshot):
                    requests.append(VolumeRequest(size=None, snapshot_id=snapshot_id))
        else:
            source = self.get(ctx, str(source_group_id))
            if source.status is not GroupStatus.AVAILABLE:
                raise InvalidInput("Invalid input received: Source group status must be "
                                   "available.")
            requests = [VolumeRequest(size=None, source_volid=v.id.hex)
                        for v in members(self.app, source)]
        if not isinstance(source, Group):
            raise NotFound(f"Group {group_snapshot_id} could not be found.")
        ledger = open_ledger(self.app, str(ctx.project_id))
        ledger.claim(Group.quota_held(), default_limits(self.app))
        types: dict[str, VolumeType] = {}
        built = [self.volumes.build(ctx, r, ledger, types) for r in requests]
        volumes = [v for v, _ in built]
        group = Group(str(ctx.project_id), str(ctx.user_id), name, description,
                      source.group_type_id, source.volume_type_ids, source.availability_zone,
                      source_group_id=source.id.hex if source_group_id else None,
                      group_snapshot_id=UUID(group_snapshot_id).hex if group_snapshot_id
                      else None, pending=[v.id.hex for v in volumes])
        for volume in volumes:
            volume.join_group(group.id.hex, new=True)
        extra = [a for _, more in built for a in more if a is not None]
        self.app.save(group, ledger, *volumes, *types.values(),
                      *[a for a in extra if not isinstance(a, VolumeType)])
        return group

    @command
    def update(self, ctx: RequestContext, group_id: UUID | str, changes: dict[str, Any],
               moves: MemberChanges) -> Group:
        group = self.get(ctx, group_id)
        if not changes and not moves.add and not moves.remove:
            raise InvalidInput("Invalid input received: Name, description, add_volumes and "
                               "remove_volumes can not be all empty in the request body.")
        added = [self._member(ctx, group, ref, adding=True) for ref in moves.add]
        removed = [self._member(ctx, group, ref, adding=False) for ref in moves.remove]
        for volume in added:
            group.check_accepts(volume.volume_type_id or DEFAULT_TYPE_ID.hex)
            volume.join_group(group.id.hex)
        for volume in removed:
            volume.leave_group(group.id.hex)
        group.change_members([v.id.hex for v in added], [v.id.hex for v in removed])
        different = {k: v for k, v in changes.items()
                     if k in UPDATABLE and getattr(group, k) != v}
        if different:
            group.update(different)
        self.app.save(*changed(group, *added, *removed))
        return group

    def _member(self, ctx: RequestContext, group: Group, ref: str, adding: bool) -> Volume:
        try:
            return self.volumes.volume(ctx, ref)
        except NotFound:
            verb = "add" if adding else "remove"
            raise InvalidInput(f"Invalid volume: Cannot {verb} volume {ref} "
                               f"{'to' if adding else 'from'} group {group.id} because it "
                               "cannot be found.") from None

    @command
    def delete(self, ctx: RequestContext, group_id: UUID | str,
               delete_volumes: bool = False) -> Group:
        """The group goes now (no backend holds it) and gives back its quota; with
        `delete_volumes` its volumes' deletions are asked in the same save, each refusing as
        its own delete would (attached, or with snapshots)."""
        group = self.get(ctx, group_id)
        volumes = members(self.app, group)
        group.check_delete(delete_volumes, len(volumes))
        for volume in volumes:
            volume.request_delete()
        ledger = open_ledger(self.app, group.project_id)
        ledger.release(Group.quota_held())
        group.delete()
        self.app.save(*volumes, group, ledger)
        return group

    @command
    def reset_status(self, ctx: RequestContext, group_id: UUID | str, status: str) -> Group:
        group = self.get(ctx, group_id)
        group.reset_status(status)
        self.app.save(*changed(group))
        return group
