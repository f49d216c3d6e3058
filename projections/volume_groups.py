"""Read models of generic volume groups and group snapshots (Block Storage `/groups`,
`/group_snapshots`), documents evolved as the Group and GroupSnapshot aggregates evolve
(domain/storage/group.py, group_snapshot.py). A group's volumes are the volume read model's
rows with its `group_id`."""

from __future__ import annotations

from typing import Any, ClassVar

from domain.storage.group import UPDATABLE, Group
from domain.storage.group_snapshot import GroupSnapshot
from projections.base import Evolve, on
from projections.documents import DocumentProjection, DocumentViews
from projections.store import Row

GS = GroupSnapshot


class VolumeGroupProjection(DocumentProjection):
    name = "volume_groups"
    table = "volume_groups"
    tables = ("volume_groups",)
    columns = ("project_id", "name", "status")
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_groups (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL, updated_at TEXT,"
        " doc TEXT NOT NULL)",
    )
    created, gone = Group.Created, Group.Deleted
    EVOLVE: ClassVar[dict[type, Evolve]] = dict([
        on(Group.Updated, lambda d, e: d.update({k: v for k, v in e.changes.items()
                                                 if k in UPDATABLE})),
        on(Group.StatusReset, lambda d, e: d.update(status=e.status)),
        on(Group.MemberMade, lambda d, e: d.update(
            pending=d["pending"] - 1, failed=d["failed"] or not e.ok,
            status=d["status"] if d["pending"] > 1 else
            ("error" if d["failed"] or not e.ok else "available"))),
    ])

    def first(self, e: Group.Created) -> dict[str, Any]:
        keep = ("project_id", "user_id", "name", "description", "group_type_id",
                "volume_type_ids", "availability_zone", "source_group_id", "group_snapshot_id")
        return {**{k: getattr(e, k) for k in keep}, "pending": len(e.pending or ()),
                "failed": False,
                "status": "creating" if e.pending else "available"}


class GroupSnapshotProjection(DocumentProjection):
    name = "group_snapshots"
    table = "group_snapshots"
    tables = ("group_snapshots",)
    columns = ("project_id", "group_id", "name", "status")
    ddl = (
        "CREATE TABLE IF NOT EXISTS group_snapshots (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, group_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL,"
        " updated_at TEXT, doc TEXT NOT NULL)",
    )
    created, gone = GS.Requested, GS.Deleted
    EVOLVE: ClassVar[dict[type, Evolve]] = dict([
        on(GS.MemberMade, lambda d, e: d.update(
            pending=d["pending"] - 1,
            status="available" if d["pending"] <= 1 else d["status"])),
        on(GS.ProvisionFailed, lambda d, e: d.update(status="error")),
        on(GS.DeleteRequested, lambda d, e: d.update(status="deleting")),
        on(GS.DeleteFailed, lambda d, e: d.update(status="error_deleting")),
        on(GS.StatusReset, lambda d, e: d.update(status=e.status)),
    ])

    def first(self, e: GroupSnapshot.Requested) -> dict[str, Any]:
        keep = ("project_id", "user_id", "group_id", "group_type_id", "name", "description")
        return {**{k: getattr(e, k) for k in keep}, "pending": len(e.snapshots),
                "status": "creating" if e.snapshots else "available"}


class VolumeGroupViews(DocumentViews):
    table = "volume_groups"

    def list(self, project_id: str | None) -> list[Row]:
        return self.select(project_id=project_id)


class GroupSnapshotViews(DocumentViews):
    table = "group_snapshots"

    def list(self, project_id: str | None, group_id: str | None = None) -> list[Row]:
        return self.select(project_id=project_id, group_id=group_id)
