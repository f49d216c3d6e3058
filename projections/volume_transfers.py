"""Read model of volume transfers (Block Storage `/os-volume-transfer`, `/volume-transfers`).

A row per transfer offered and neither accepted nor withdrawn (Cinder lists no other), keyed by
id, with the giving project to list by; `seq` is the offer's position (creation order, stable on
rebuild). The key is never here: the Transfer keeps only its salted hash, and this model not
even that.
"""

from __future__ import annotations

from typing import Any

from domain.storage.transfer import Transfer
from projections.base import Projection, handles, hexid
from projections.servers import moment
from projections.store import ReadCursor, ReadStore, Row


class VolumeTransferProjection(Projection):
    name = "volume_transfers"
    tables = ("volume_transfers",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_transfers (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, volume_id TEXT NOT NULL, name TEXT,"
        " no_snapshots BOOLEAN NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS volume_transfers_by_project"
        " ON volume_transfers (project_id, seq)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, Transfer.Offered):
            self.offered(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Transfer.Offered)
    def offered(self, cur: ReadCursor, e: Transfer.Offered, position: int = 0) -> None:
        cur.execute("INSERT INTO volume_transfers (id, seq, project_id, volume_id, name,"
                    " no_snapshots, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.source_project_id, e.volume_id, e.name,
                     e.no_snapshots, moment(e)))

    @handles(Transfer.Accepted, Transfer.Withdrawn)
    def gone(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM volume_transfers WHERE id = ?", (hexid(e),))


class VolumeTransferViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, transfer_id: str) -> Row | None:
        return self.store.query_one("SELECT * FROM volume_transfers WHERE id = ?",
                                    (transfer_id,))

    def list(self, project_id: str | None) -> list[Row]:
        """Oldest first; `project_id` None lists every project's."""
        if project_id is None:
            return self.store.query("SELECT * FROM volume_transfers ORDER BY seq")
        return self.store.query("SELECT * FROM volume_transfers WHERE project_id = ?"
                                " ORDER BY seq", (project_id,))
