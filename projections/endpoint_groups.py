"""Read model of Keystone's OS-EP-FILTER endpoint groups."""

from __future__ import annotations

from typing import Any

from domain.identity.endpoint_group import EndpointGroup
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.identity import SafeQueries
from projections.store import ReadCursor, ReadStore, Row


class EndpointGroupProjection(Projection):
    name = "endpoint_groups"
    tables = ("endpoint_groups",)
    ddl = ("CREATE TABLE IF NOT EXISTS endpoint_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
           " description TEXT, filters TEXT NOT NULL)",)

    @handles(EndpointGroup.Created)
    def created(self, cur: ReadCursor, e: EndpointGroup.Created) -> None:
        cur.execute("INSERT INTO endpoint_groups (id, name, description, filters)"
                    " VALUES (?, ?, ?, ?)", (hexid(e), e.name, e.description, as_json(e.filters)))

    @handles(EndpointGroup.Updated)
    def updated(self, cur: ReadCursor, e: EndpointGroup.Updated) -> None:
        for column in ("name", "description", "filters"):
            if column in e.changes:
                value: Any = e.changes[column]
                cur.execute(f"UPDATE endpoint_groups SET {column} = ? WHERE id = ?",
                            (as_json(value) if column == "filters" else value, hexid(e)))

    @handles(EndpointGroup.Deleted)
    def deleted(self, cur: ReadCursor, e: EndpointGroup.Deleted) -> None:
        cur.execute("DELETE FROM endpoint_groups WHERE id = ?", (hexid(e),))


class EndpointGroupViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def group(self, group_id: str) -> Row | None:
        rows = self.store.query("SELECT * FROM endpoint_groups WHERE id = ?", (group_id,))
        return {**rows[0], "filters": from_json(rows[0]["filters"])} if rows else None

    def groups(self, name: str | None = None) -> list[Row]:
        where, params = (" WHERE name = ?", [name]) if name is not None else ("", [])
        rows = self.store.query(f"SELECT * FROM endpoint_groups{where} ORDER BY name, id", params)
        return [{**r, "filters": from_json(r["filters"])} for r in rows]
