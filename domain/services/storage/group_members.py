"""Loading volume groups and group snapshots as a caller may see them, and what the storage
worker's reports on their members mean for them: a group made from a source is available once
the worker made its volumes; a group snapshot once it made its member snapshots, and gone with
the last of them (saved with the member's own outcome)."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.errors import NotFound
from domain.services.storage.lookup import Lookup, live
from domain.storage.group import Group
from domain.storage.group_snapshot import GroupSnapshot
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume


def visible_group(app: SkyLedger, ctx: RequestContext, group_id: UUID | str) -> Group:
    found = live(app, group_id, Group)
    if not isinstance(found, Group) or (found.project_id != ctx.project_id
                                        and not ctx.is_admin):
        raise NotFound(f"Group {group_id} could not be found.")
    return found


def visible_group_snapshot(app: SkyLedger, ctx: RequestContext,
                           group_snapshot_id: UUID | str) -> GroupSnapshot:
    found = live(app, group_snapshot_id, GroupSnapshot)
    if not isinstance(found, GroupSnapshot) or (found.project_id != ctx.project_id
                                                and not ctx.is_admin):
        raise NotFound(f"GroupSnapshot {group_snapshot_id} could not be found.")
    return found


def joining_group(service: Lookup, ctx: RequestContext, group_id: str | None) -> Group | None:
    """The group a new volume is to be made in (None: none)."""
    return None if group_id is None else visible_group(service.app, ctx, group_id)


def members(app: SkyLedger, group: Group) -> list[Volume]:
    """The group's live volumes, in id order."""
    found = (live(app, v, Volume) for v in sorted(group.volumes))
    return [v for v in found if isinstance(v, Volume) and v.group_id == group.id.hex]


def volume_made(app: SkyLedger, volume: Volume, ok: bool) -> Group | None:
    """The group (made from a source) whose volume the worker made or failed to make, changed
    accordingly; None when there is nothing to record."""
    group = live(app, volume.group_id, Group) if volume.group_id else None
    if not isinstance(group, Group):
        return None
    group.member_made(volume.id.hex, ok)
    return group


def snapshot_outcome(app: SkyLedger, snapshot: Snapshot, made: bool | None,
                     reason: str = "") -> list[GroupSnapshot | Group]:
    """The group snapshot of a member snapshot the worker made (`made`), failed to make
    (`made` False, `reason`) or deleted (`made` None), changed accordingly, and its group when
    the group snapshot is gone with it."""
    gs = live(app, snapshot.group_snapshot_id, GroupSnapshot) \
        if snapshot.group_snapshot_id else None
    if not isinstance(gs, GroupSnapshot):
        return []
    if made is None:
        gs.member_gone(snapshot.id.hex)
    elif made:
        gs.member_made(snapshot.id.hex)
    else:
        gs.create_failed(reason)
    group = live(app, gs.group_id, Group) if gs.deleted else None
    if isinstance(group, Group):
        group.snapshot_gone(gs.id.hex)
        return [gs, group]
    return [gs]
