"""Read model of volume backups (Block Storage `/backups`).

Like the snapshot read model: the columns lists filter on, and the whole backup as a JSON
document evolved event by event as the `Backup` aggregate evolves (domain/storage/backup.py).
`seq` is the position of the Requested event (creation order, stable on rebuild); a deleted
backup's row goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.storage.backup import Backup
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.servers import moment
from projections.store import ReadCursor, ReadStore, Row

COLUMNS = ("project_id", "volume_id", "name", "status", "updated_at")

Evolve = Callable[[dict[str, Any], Any], None]

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


class VolumeBackupProjection(Projection):
    name = "volume_backups"
    tables = ("volume_backups",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_backups (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, volume_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL,"
        " updated_at TEXT, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS volume_backups_by_project"
        " ON volume_backups (project_id, seq)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, Backup.Requested):
            self.requested(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Backup.Requested)
    def requested(self, cur: ReadCursor, e: Backup.Requested, position: int = 0) -> None:
        keep = ("project_id", "user_id", "volume_id", "snapshot_id", "name", "description",
                "metadata", "size", "host", "availability_zone", "container", "parent_id",
                "data_timestamp", "source", "data_of")
        doc = {**{k: getattr(e, k) for k in keep}, "status": "creating", "object_count": 0,
               "fail_reason": None, "dependents": 0, "created_at": moment(e)}
        cur.execute("INSERT INTO volume_backups (id, seq, doc, " + ", ".join(COLUMNS) + ")"
                    " VALUES (?, ?, ?" + ", ?" * len(COLUMNS) + ")",
                    (hexid(e), position, as_json(doc), *self._columns(doc, None)))

    @handles(*EVOLVE)
    def evolved(self, cur: ReadCursor, e: Any) -> None:
        row = cur.execute("SELECT doc FROM volume_backups WHERE id = ?", (hexid(e),)).one()
        if row is None:
            return
        doc = from_json(row["doc"])
        EVOLVE[type(e)](doc, e)
        cur.execute("UPDATE volume_backups SET doc = ?, "
                    + ", ".join(f"{c} = ?" for c in COLUMNS) + " WHERE id = ?",
                    (as_json(doc), *self._columns(doc, moment(e)), hexid(e)))

    @handles(Backup.Deleted)
    def deleted(self, cur: ReadCursor, e: Backup.Deleted) -> None:
        cur.execute("DELETE FROM volume_backups WHERE id = ?", (hexid(e),))

    @staticmethod
    def _columns(doc: dict[str, Any], updated_at: str | None) -> tuple[Any, ...]:
        values = {**doc, "updated_at": updated_at}
        return tuple(values[c] for c in COLUMNS)


def _backup(row: Row) -> Row:
    return {**from_json(row["doc"]), "id": row["id"], "seq": row["seq"],
            "updated_at": row["updated_at"]}


class VolumeBackupViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, backup_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM volume_backups WHERE id = ?", (backup_id,))
        return _backup(row) if row else None

    def list(self, project_id: str | None, *, name: str | None = None,
             status: str | None = None, volume_id: str | None = None) -> list[Row]:
        """Newest first; `project_id` None lists every project's."""
        clauses: list[str] = ["1 = 1"]
        params: list[Any] = []
        for column, value in (("project_id", project_id), ("name", name), ("status", status),
                              ("volume_id", volume_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        sql = (f"SELECT * FROM volume_backups WHERE {' AND '.join(clauses)}"
               " ORDER BY seq DESC")
        return [_backup(r) for r in self.store.query(sql, params)]
