"""Read model of volume services (Block Storage `/os-services`, `/os-hosts`,
`/scheduler-stats/get_pools`): one row per storage host with its backend, zone, enablement,
pool capacity and the time of its last beat (up or down is that age, judged when read)."""

from __future__ import annotations

from typing import Any

from domain.storage.service import StorageService
from projections.base import Projection, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


def beat_time(event: Any) -> str:
    """Cinder prints service times as naive UTC with microseconds."""
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"))


class StorageServiceProjection(Projection):
    name = "storage_services"
    tables = ("storage_services",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS storage_services (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " host TEXT NOT NULL, backend TEXT NOT NULL, zone TEXT NOT NULL,"
        " enabled BOOLEAN NOT NULL, disabled_reason TEXT, total_gb REAL NOT NULL,"
        " free_gb REAL NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, StorageService.Registered):
            self.registered(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(StorageService.Registered)
    def registered(self, cur: ReadCursor, e: StorageService.Registered,
                   position: int = 0) -> None:
        cur.execute("INSERT INTO storage_services (id, seq, host, backend, zone, enabled,"
                    " disabled_reason, total_gb, free_gb, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.host, e.backend, e.availability_zone, True, None,
                     e.total_gb, e.free_gb, beat_time(e), beat_time(e)))

    @handles(StorageService.Reregistered)
    def reregistered(self, cur: ReadCursor, e: StorageService.Reregistered) -> None:
        cur.execute("UPDATE storage_services SET backend = ?, zone = ? WHERE id = ?",
                    (e.backend, e.availability_zone, hexid(e)))

    @handles(StorageService.Beat)
    def beat(self, cur: ReadCursor, e: StorageService.Beat) -> None:
        cur.execute("UPDATE storage_services SET total_gb = ?, free_gb = ?, updated_at = ?"
                    " WHERE id = ?", (e.total_gb, e.free_gb, beat_time(e), hexid(e)))

    @handles(StorageService.Disabled)
    def disabled(self, cur: ReadCursor, e: StorageService.Disabled) -> None:
        cur.execute("UPDATE storage_services SET enabled = ?, disabled_reason = ? WHERE id = ?",
                    (False, e.reason, hexid(e)))

    @handles(StorageService.Enabled)
    def enabled(self, cur: ReadCursor, e: StorageService.Enabled) -> None:
        cur.execute("UPDATE storage_services SET enabled = ?, disabled_reason = ? WHERE id = ?",
                    (True, None, hexid(e)))


class StorageServiceViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def all(self) -> list[Row]:
        """In registration order."""
        rows = self.store.query("SELECT * FROM storage_services ORDER BY seq")
        return [{**r, "enabled": bool(r["enabled"])} for r in rows]

    def backends(self) -> dict[str, str]:
        """Each storage host's backend (its pool's name), by host."""
        return {r["host"]: r["backend"] for r in self.all()}
