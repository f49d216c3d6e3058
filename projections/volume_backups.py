"""Read model of volume backups (Block Storage `/backups`).

Like the snapshot read model: the columns lists filter on, and the whole backup as a JSON
document evolved event by event as the `Backup` aggregate evolves (domain/storage/backup.py).
`seq` is the position of the Requested event (creation order, stable on rebuild); a deleted
backup's row goes (projections/documents.py).
"""

from __future__ import annotations

from typing import Any

from domain.storage.backup import Backup
from projections.base import Evolve
from projections.documents import DocumentProjection, DocumentViews
from projections.store import Row

EVOLVE: dict[type, Evolve] = {
    Backup.Updated: lambda d, e: d.update({k: v for k, v in e.changes.items() if k in (
        "name", "description", "metadata")}),
    Backup.DependentAdded: lambda d, e: d.update(dependents=d["dependents"] + 1),
    Backup.DependentDropped: lambda d, e: d.update(dependents=d["dependents"] - 1),
    Backup.RestoreRequested: lambda d, e: d.update(status="restoring"),
    Backup.RestoreEnded: lambda d, e: d.update(status="available", fail_reason=e.reason),
    Backup.DeleteRequested: lambda d, e: d.update(status="deleting"),
    Backup.StatusReset: lambda d, e: d.update(status=e.status),
    Backup.Provisioned: lambda d, e: d.update(status="available", fail_reason=None,
                                              object_count=e.object_count),
    Backup.ProvisionFailed: lambda d, e: d.update(status="error", fail_reason=e.reason),
    Backup.DeleteFailed: lambda d, e: d.update(status="error_deleting", fail_reason=e.reason),
}


class VolumeBackupProjection(DocumentProjection):
    name = table = "volume_backups"
    tables = ("volume_backups",)
    columns = ("project_id", "volume_id", "name", "status")
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_backups (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, volume_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL,"
        " updated_at TEXT, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS volume_backups_by_project"
        " ON volume_backups (project_id, seq)",
    )
    created, gone, EVOLVE = Backup.Requested, Backup.Deleted, EVOLVE

    def first(self, e: Backup.Requested) -> dict[str, Any]:
        keep = ("project_id", "user_id", "volume_id", "snapshot_id", "name", "description",
                "metadata", "size", "host", "availability_zone", "container", "parent_id",
                "data_timestamp", "source", "data_of")
        return {**{k: getattr(e, k) for k in keep}, "status": "creating", "object_count": 0,
                "fail_reason": None, "dependents": 0}


class VolumeBackupViews(DocumentViews):
    table = "volume_backups"

    def list(self, project_id: str | None, *, name: str | None = None,
             status: str | None = None, volume_id: str | None = None) -> list[Row]:
        """Newest first; `project_id` None lists every project's."""
        return self.select(project_id=project_id, name=name, status=status,
                           volume_id=volume_id)
