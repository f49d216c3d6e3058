"""Read model of host aggregates (Compute `/os-aggregates`).

`seq` (the position of the Created event) is the aggregate's integer id, as Nova's are: it
grows with creation order and comes out the same on every rebuild. Deleted aggregates are gone
from the table, as from Nova's lists.
"""

from __future__ import annotations

from typing import Any

from domain.compute.host_aggregate import ZONE_KEY, HostAggregate
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


def moment(event: Any) -> str:
    """Nova prints aggregate times as naive UTC with microseconds."""
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"))


class HostAggregateProjection(Projection):
    name = "host_aggregates"
    tables = ("host_aggregates",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS host_aggregates (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " name TEXT NOT NULL, hosts TEXT NOT NULL, metadata TEXT NOT NULL,"
        " created_at TEXT NOT NULL, updated_at TEXT)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        # The insert needs the event's position as the row's seq (Nova's integer id).
        if isinstance(event, HostAggregate.Created):
            self.created(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(HostAggregate.Created)
    def created(self, cur: ReadCursor, e: HostAggregate.Created, position: int = 0) -> None:
        metadata = {ZONE_KEY: e.availability_zone} if e.availability_zone else {}
        cur.execute("INSERT INTO host_aggregates (id, seq, name, hosts, metadata, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.name, "[]", as_json(metadata), moment(e)))

    def _change(self, cur: ReadCursor, e: Any, column: str, value: Any) -> None:
        cur.execute(f"UPDATE host_aggregates SET {column} = ?, updated_at = ? WHERE id = ?",
                    (value, moment(e), hexid(e)))

    def _row(self, cur: ReadCursor, e: Any) -> Row:
        row = cur.execute("SELECT * FROM host_aggregates WHERE id = ?", (hexid(e),)).one()
        assert row is not None, f"aggregate {hexid(e)} has events but no Created"
        return row

    @handles(HostAggregate.Renamed)
    def renamed(self, cur: ReadCursor, e: HostAggregate.Renamed) -> None:
        self._change(cur, e, "name", e.name)

    @handles(HostAggregate.MetadataSet)
    def metadata_set(self, cur: ReadCursor, e: HostAggregate.MetadataSet) -> None:
        metadata = from_json(self._row(cur, e)["metadata"])
        for key, value in e.changes.items():
            if value is None:
                metadata.pop(key, None)
            else:
                metadata[key] = value
        self._change(cur, e, "metadata", as_json(metadata))

    @handles(HostAggregate.HostAdded, HostAggregate.HostRemoved)
    def hosts_changed(self, cur: ReadCursor,
                      e: HostAggregate.HostAdded | HostAggregate.HostRemoved) -> None:
        hosts = [h for h in from_json(self._row(cur, e)["hosts"]) if h != e.host]
        if isinstance(e, HostAggregate.HostAdded):
            hosts.append(e.host)
        self._change(cur, e, "hosts", as_json(hosts))

    @handles(HostAggregate.Deleted)
    def deleted(self, cur: ReadCursor, e: HostAggregate.Deleted) -> None:
        cur.execute("DELETE FROM host_aggregates WHERE id = ?", (hexid(e),))


def _aggregate(row: Row) -> Row:
    return {**row, "hosts": from_json(row["hosts"]), "metadata": from_json(row["metadata"])}


class HostAggregateViews:
    """Aggregates as plain dicts: id (hex), seq, name, hosts, metadata, created/updated_at."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def list(self) -> list[Row]:
        return [_aggregate(r) for r in
                self.store.query("SELECT * FROM host_aggregates ORDER BY seq")]

    def by_seq(self, seq: int) -> Row | None:
        row = self.store.query_one("SELECT * FROM host_aggregates WHERE seq = ?", (seq,))
        return _aggregate(row) if row else None
