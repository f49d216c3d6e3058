"""Read model of the control services (Nova's `/os-services`, `/os-hosts` and zones, Cinder's
`/os-services` and `/os-hosts`): one row per host and binary with its zone and the time of its
last beat (up or down is that age, judged when read, as for the workers' services)."""

from __future__ import annotations

from domain.control.service import ControlService
from projections.base import Projection, handles, hexid
from projections.storage_services import beat_time
from projections.store import ReadCursor, ReadStore, Row


class ControlServiceProjection(Projection):
    name = "control_services"
    tables = ("control_services",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS control_services (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " host TEXT NOT NULL, binary_name TEXT NOT NULL, zone TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: object, position: int) -> None:
        if isinstance(event, ControlService.Registered):
            self.registered(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(ControlService.Registered)
    def registered(self, cur: ReadCursor, e: ControlService.Registered,
                   position: int = 0) -> None:
        # seq is the registration's position in the log, as the workers' services take theirs:
        # unique among all services, so it can be Nova's integer id.
        cur.execute("INSERT INTO control_services (id, seq, host, binary_name, zone, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.host, e.binary, e.availability_zone, beat_time(e)))

    @handles(ControlService.Rezoned)
    def rezoned(self, cur: ReadCursor, e: ControlService.Rezoned) -> None:
        cur.execute("UPDATE control_services SET zone = ?, updated_at = ? WHERE id = ?",
                    (e.availability_zone, beat_time(e), hexid(e)))

    @handles(ControlService.Beat)
    def beat(self, cur: ReadCursor, e: ControlService.Beat) -> None:
        cur.execute("UPDATE control_services SET updated_at = ? WHERE id = ?",
                    (beat_time(e), hexid(e)))


class ControlServiceViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def all(self, binaries: tuple[str, ...] | None = None) -> list[Row]:
        """In registration order; only these binaries when given. `binary` is the service's
        binary name (the column is `binary_name`: BINARY is a type in PostgreSQL)."""
        rows = self.store.query("SELECT * FROM control_services ORDER BY seq")
        return [{**r, "binary": r["binary_name"]} for r in rows
                if binaries is None or r["binary_name"] in binaries]
