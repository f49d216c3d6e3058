"""Read model of guests' console output (Compute `os-getConsoleOutput`), one row per instance.

Built from the Console events that compute workers record (domain/compute/console.py), so any
API server can answer, a host that is down still has its guests' last output on record, and
the table can be rebuilt like every other read model. Each row keeps the last 100 KiB of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.compute.console import Console, appended, tail
from projections.base import Projection, handles
from projections.store import ReadCursor, ReadStore


@dataclass(frozen=True)
class ConsoleLog:
    instance_id: str
    host: str
    text: str
    updated_at: str  # ISO-8601 UTC


def _key(instance_id: UUID | str) -> str:
    return str(UUID(str(instance_id)))  # hex or dashed in, one spelling stored


def _at(event: Any) -> str:
    return str(event.timestamp.isoformat())


class ConsoleLogProjection(Projection):
    name = "console_logs"
    tables = ("console_logs",)
    ddl = ("CREATE TABLE IF NOT EXISTS console_logs (instance_id TEXT PRIMARY KEY,"
           " host TEXT NOT NULL, text TEXT NOT NULL, updated_at TEXT NOT NULL)",)

    @handles(Console.Opened, Console.Replaced)
    def written(self, cur: ReadCursor, e: Console.Opened | Console.Replaced) -> None:
        cur.execute("INSERT INTO console_logs (instance_id, host, text, updated_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (instance_id) DO UPDATE SET"
                    " host = excluded.host, text = excluded.text,"
                    " updated_at = excluded.updated_at",
                    (_key(e.instance_id), e.host, e.text, _at(e)))

    @handles(Console.Appended)
    def grew(self, cur: ReadCursor, e: Console.Appended) -> None:
        key = _key(e.instance_id)
        row = cur.execute("SELECT text FROM console_logs WHERE instance_id = ?", (key,)).one()
        if row is not None:  # an Appended always follows an Opened or Replaced
            cur.execute("UPDATE console_logs SET text = ?, updated_at = ? WHERE instance_id = ?",
                        (appended(row["text"], e.text), _at(e), key))

    @handles(Console.Cleared)
    def cleared(self, cur: ReadCursor, e: Console.Cleared) -> None:
        cur.execute("DELETE FROM console_logs WHERE instance_id = ?", (_key(e.instance_id),))


class ConsoleLogViews:
    """Queries over the console read model."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, instance_id: UUID | str) -> ConsoleLog | None:
        try:
            key = _key(instance_id)
        except ValueError:
            return None
        row = self.store.query_one("SELECT instance_id, host, text, updated_at FROM console_logs"
                                   " WHERE instance_id = ?", (key,))
        return ConsoleLog(**row) if row else None

    def read(self, instance_id: UUID | str, length: int | None = None) -> str:
        """The guest's console output ('' before its worker has recorded any)."""
        log = self.get(instance_id)
        return tail(log.text, length) if log else ""
