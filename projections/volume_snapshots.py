"""Read model of volume snapshots (Block Storage `/snapshots`).

Like the volume read model: the columns lists filter on, and the whole snapshot as a JSON
document evolved event by event as the `Snapshot` aggregate evolves (domain/storage/snapshot.py).
`seq` is the position of the Requested event (creation order, stable on rebuild); a deleted
snapshot's row goes (projections/documents.py).
"""

from __future__ import annotations

from typing import Any

from domain.storage.snapshot import Snapshot
from projections.base import Evolve, on
from projections.documents import DocumentProjection, DocumentViews
from projections.store import Row

EVOLVE: dict[type, Evolve] = dict([
    on(Snapshot.Updated, lambda d, e: d.update({k: v for k, v in e.changes.items() if k in (
        "name", "description", "metadata")})),
    on(Snapshot.DeleteRequested, lambda d, e: d.update(status="deleting")),
    on(Snapshot.StatusReset, lambda d, e: d.update(status=e.status)),
    on(Snapshot.BackupStarted, lambda d, e: d.update(status="backing-up")),
    on(Snapshot.BackupEnded, lambda d, e: d.update(status="available")),
    on(Snapshot.HandedOver, lambda d, e: d.update(project_id=e.project_id, user_id=e.user_id)),
    on(Snapshot.StatusUpdated, lambda d, e: d.update(status=e.status, progress=e.progress)),
    on(Snapshot.Provisioned, lambda d, e: d.update(status="available", progress="100%",
                                                fault=None)),
    on(Snapshot.ProvisionFailed, lambda d, e: d.update(status="error", fault=e.reason)),
    on(Snapshot.DeleteFailed, lambda d, e: d.update(status="error_deleting", fault=e.reason)),
    on(Snapshot.GroupSnapshotJoined, lambda d, e: d.update(
        group_snapshot_id=e.group_snapshot_id)),
])


class VolumeSnapshotProjection(DocumentProjection):
    name = table = "volume_snapshots"
    tables = ("volume_snapshots",)
    columns = ("project_id", "volume_id", "name", "status")
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_snapshots (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, volume_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL,"
        " updated_at TEXT, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS volume_snapshots_by_project"
        " ON volume_snapshots (project_id, seq)",
    )
    created, gone, EVOLVE = Snapshot.Requested, Snapshot.Deleted, EVOLVE

    def first(self, e: Snapshot.Requested) -> dict[str, Any]:
        return {"project_id": e.project_id, "user_id": e.user_id, "volume_id": e.volume_id,
                "name": e.name, "description": e.description, "metadata": e.metadata,
                "size": e.size, "status": "creating", "progress": "0%", "fault": None}


class VolumeSnapshotViews(DocumentViews):
    table = "volume_snapshots"

    def list(self, project_id: str | None, *, name: str | None = None,
             status: str | None = None, volume_id: str | None = None) -> list[Row]:
        """Newest first; `project_id` None lists every project's."""
        return self.select(project_id=project_id, name=name, status=status,
                           volume_id=volume_id)
