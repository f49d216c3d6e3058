"""Read model of volume snapshots (Block Storage `/snapshots`).

Like the volume read model: the columns lists filter on, and the whole snapshot as a JSON
document evolved event by event as the `Snapshot` aggregate evolves (domain/storage/snapshot.py).
`seq` is the position of the Requested event (creation order, stable on rebuild); a deleted
snapshot's row goes.
"""

from __future__ import annotations

from typing import Any

from domain.storage.snapshot import Snapshot
from projections.base import Evolve, Projection, as_json, from_json, handles, hexid, on
from projections.servers import moment
from projections.store import ReadCursor, ReadStore, Row

COLUMNS = ("project_id", "volume_id", "name", "status", "updated_at")

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


class VolumeSnapshotProjection(Projection):
    name = "volume_snapshots"
    tables = ("volume_snapshots",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_snapshots (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, volume_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL,"
        " updated_at TEXT, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS volume_snapshots_by_project"
        " ON volume_snapshots (project_id, seq)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, Snapshot.Requested):
            self.requested(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Snapshot.Requested)
    def requested(self, cur: ReadCursor, e: Snapshot.Requested, position: int = 0) -> None:
        doc = {"project_id": e.project_id, "user_id": e.user_id, "volume_id": e.volume_id,
               "name": e.name, "description": e.description, "metadata": e.metadata,
               "size": e.size, "status": "creating", "progress": "0%", "fault": None,
               "created_at": moment(e)}
        cur.execute("INSERT INTO volume_snapshots (id, seq, doc, " + ", ".join(COLUMNS) + ")"
                    " VALUES (?, ?, ?" + ", ?" * len(COLUMNS) + ")",
                    (hexid(e), position, as_json(doc), *self._columns(doc, None)))

    @handles(*EVOLVE)
    def evolved(self, cur: ReadCursor, e: Any) -> None:
        row = cur.execute("SELECT doc FROM volume_snapshots WHERE id = ?", (hexid(e),)).one()
        if row is None:
            return
        doc = from_json(row["doc"])
        EVOLVE[type(e)](doc, e)
        cur.execute("UPDATE volume_snapshots SET doc = ?, "
                    + ", ".join(f"{c} = ?" for c in COLUMNS) + " WHERE id = ?",
                    (as_json(doc), *self._columns(doc, moment(e)), hexid(e)))

    @handles(Snapshot.Deleted)
    def deleted(self, cur: ReadCursor, e: Snapshot.Deleted) -> None:
        cur.execute("DELETE FROM volume_snapshots WHERE id = ?", (hexid(e),))

    @staticmethod
    def _columns(doc: dict[str, Any], updated_at: str | None) -> tuple[Any, ...]:
        values = {**doc, "updated_at": updated_at}
        return tuple(values[c] for c in COLUMNS)


def _snapshot(row: Row) -> Row:
    return {**from_json(row["doc"]), "id": row["id"], "seq": row["seq"],
            "updated_at": row["updated_at"]}


class VolumeSnapshotViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, snapshot_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM volume_snapshots WHERE id = ?",
                                   (snapshot_id,))
        return _snapshot(row) if row else None

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
        sql = (f"SELECT * FROM volume_snapshots WHERE {' AND '.join(clauses)}"
               " ORDER BY seq DESC")
        return [_snapshot(r) for r in self.store.query(sql, params)]
