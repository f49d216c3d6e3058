"""Read model of keypairs, per user (Compute `/os-keypairs`).

`seq` is the position of the event that created the row: an integer id that grows with creation
order, as Nova's keypair ids do, and that comes out the same on every rebuild.
"""

from __future__ import annotations

from typing import Any

from domain.catalog.keypair import Keypair
from domain.errors import InvalidInput
from projections.base import Projection, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


def nova_time(event: Any) -> str:
    """Nova prints keypair times as naive UTC with microseconds: 2014-05-07T12:06:13.681238."""
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"))


class KeypairProjection(Projection):
    name = "keypairs"
    tables = ("keypairs",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS keypairs (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " user_id TEXT NOT NULL, name TEXT NOT NULL, project_id TEXT NOT NULL,"
        " public_key TEXT NOT NULL, fingerprint TEXT NOT NULL, type TEXT NOT NULL,"
        " created_at TEXT NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        # A handler is not given the event's position; the insert needs it as the row's seq.
        if isinstance(event, (Keypair.Imported, Keypair.Reimported)):
            self.imported(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Keypair.Imported, Keypair.Reimported)
    def imported(self, cur: ReadCursor,
                 e: Keypair.Imported | Keypair.Reimported, position: int = 0) -> None:
        cur.execute("INSERT INTO keypairs (id, seq, user_id, name, project_id, public_key,"
                    " fingerprint, type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.user_id, e.name, e.project_id, e.public_key,
                     e.fingerprint, e.type, nova_time(e)))

    @handles(Keypair.Deleted)
    def deleted(self, cur: ReadCursor, e: Keypair.Deleted) -> None:
        cur.execute("DELETE FROM keypairs WHERE id = ?", (hexid(e),))


class KeypairViews:
    """Queries over the keypair read model; rows come back as plain dicts."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, user_id: str, name: str) -> Row | None:
        return self.store.query_one("SELECT * FROM keypairs WHERE user_id = ? AND name = ?",
                                    (user_id, name))

    def list(self, user_id: str, limit: int | None = None, marker: str | None = None) -> list[Row]:
        """A user's keypairs in creation order; `marker` is the name of the last one seen."""
        where, params = "user_id = ?", [user_id]
        if marker is not None:
            row = self.get(user_id, marker)
            if row is None:
                raise InvalidInput(f"Marker {marker} could not be found.")
            where += " AND seq > ?"
            params.append(row["seq"])
        sql = f"SELECT * FROM keypairs WHERE {where} ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.store.query(sql, params)

    def count(self, project_id: str) -> int:
        row = self.store.query_one("SELECT COUNT(*) AS n FROM keypairs WHERE project_id = ?",
                                   (project_id,))
        return int(row["n"]) if row else 0
