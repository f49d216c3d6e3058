"""Console output of guests, as their compute workers last saw it: the `console_logs` table.

The API answers os-getConsoleOutput from here (`ConsoleLogs(store).read(instance_id, length)`)
rather than asking the host that runs the guest: any API server can answer, and a host that is
down still has its guests' last output on record. Each row keeps the last 100 KiB of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from projections.store import ReadStore

MAX_CHARS = 100 * 1024
DDL = ("CREATE TABLE IF NOT EXISTS console_logs (instance_id TEXT PRIMARY KEY,"
       " host TEXT NOT NULL, text TEXT NOT NULL, updated_at TEXT NOT NULL)")


@dataclass(frozen=True)
class ConsoleLog:
    instance_id: str
    host: str
    text: str
    updated_at: str  # ISO-8601 UTC


def _key(instance_id: UUID | str) -> str:
    return str(UUID(str(instance_id)))  # hex or dashed in, one spelling stored


def tail(text: str, length: int | None) -> str:
    """The last `length` lines (all of them for None), as Nova's console output `length`."""
    if length is None:
        return text
    if length <= 0:
        return ""
    return "".join(text.splitlines(keepends=True)[-length:])


class ConsoleLogs:
    def __init__(self, store: ReadStore) -> None:
        self.store = store
        self._ensure_table()

    def _ensure_table(self) -> None:
        # Look first: on SQLite a CREATE, even a no-op one, takes the database's write lock.
        try:
            self.store.query("SELECT instance_id FROM console_logs WHERE 1 = 0")
            return
        except Exception:  # noqa: BLE001 - sqlite3 and psycopg name "no such table" differently
            pass
        with self.store.schema_change() as cur:
            cur.execute(DDL)

    def write(self, instance_id: UUID | str, host: str, text: str) -> None:
        # PostgreSQL text cannot hold NUL, which a guest may well print.
        text = text[-MAX_CHARS:].replace("\x00", "")
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cur:
            cur.execute("INSERT INTO console_logs (instance_id, host, text, updated_at)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (instance_id) DO UPDATE SET"
                        " host = excluded.host, text = excluded.text,"
                        " updated_at = excluded.updated_at", (_key(instance_id), host, text, now))

    def remove(self, instance_id: UUID | str, host: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM console_logs WHERE instance_id = ? AND host = ?",
                        (_key(instance_id), host))

    def get(self, instance_id: UUID | str) -> ConsoleLog | None:
        try:
            key = _key(instance_id)
        except ValueError:
            return None
        row = self.store.query_one("SELECT instance_id, host, text, updated_at FROM console_logs"
                                   " WHERE instance_id = ?", (key,))
        return ConsoleLog(**row) if row else None

    def read(self, instance_id: UUID | str, length: int | None = None) -> str:
        """The guest's console output ('' before its worker has seen any)."""
        log = self.get(instance_id)
        return tail(log.text, length) if log else ""
