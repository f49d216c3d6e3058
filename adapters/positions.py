"""Tracking positions of process managers (compute workers), in the read store's database.

A row per follower: how far it has acted on the notification log. It lives beside the events
(same SQLite file or PostgreSQL schema) like the projections' positions, but in a table of its
own: a process manager's position is not a read model's and is never rebuilt from zero (that
would replay side effects; they are idempotent, but pointless).
"""

from __future__ import annotations

from projections.store import ReadStore

DDL = ("CREATE TABLE IF NOT EXISTS process_positions ("
       " name TEXT PRIMARY KEY, position BIGINT NOT NULL)")


class ProcessPositions:
    def __init__(self, store: ReadStore) -> None:
        self.store = store
        self._ensure_table()

    def _ensure_table(self) -> None:
        # Look before creating: on SQLite even a no-op CREATE TABLE IF NOT EXISTS takes the
        # database's write lock, which a worker should not need just to start.
        try:
            self.store.query("SELECT name FROM process_positions WHERE 1 = 0")
            return
        except Exception:  # noqa: BLE001 - sqlite3 and psycopg name "no such table" differently
            pass
        with self.store.schema_change() as cur:
            cur.execute(DDL)

    def get(self, name: str) -> int:
        row = self.store.query_one("SELECT position FROM process_positions WHERE name = ?",
                                   (name,))
        return int(row["position"]) if row else 0

    def save(self, name: str, position: int) -> None:
        """Forward only: a slower writer of the same name never moves the position back."""
        with self.store.transaction() as cur:
            cur.execute("INSERT INTO process_positions (name, position) VALUES (?, ?)"
                        " ON CONFLICT (name) DO UPDATE SET position = excluded.position"
                        " WHERE process_positions.position < excluded.position",
                        (name, position))
