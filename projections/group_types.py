"""Read model of group types and their group specs (Block Storage `/group_types`)."""

from __future__ import annotations

from typing import Any

from domain.storage.group_type import UPDATABLE, GroupType
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


class GroupTypeProjection(Projection):
    name = "group_types"
    tables = ("group_types",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS group_types (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " name TEXT NOT NULL, description TEXT, is_public BOOLEAN NOT NULL,"
        " group_specs TEXT NOT NULL)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, GroupType.Created):
            self.created(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(GroupType.Created)
    def created(self, cur: ReadCursor, e: GroupType.Created, position: int = 0) -> None:
        cur.execute("INSERT INTO group_types (id, seq, name, description, is_public,"
                    " group_specs) VALUES (?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.name, e.description, e.is_public,
                     as_json(e.group_specs)))

    @handles(GroupType.Updated)
    def updated(self, cur: ReadCursor, e: GroupType.Updated) -> None:
        for column in UPDATABLE:
            if column in e.changes:
                cur.execute(f"UPDATE group_types SET {column} = ? WHERE id = ?",
                            (e.changes[column], hexid(e)))

    def _specs(self, cur: ReadCursor, e: Any) -> dict[str, str]:
        row = cur.execute("SELECT group_specs FROM group_types WHERE id = ?", (hexid(e),)).one()
        return (from_json(row["group_specs"]) if row else None) or {}

    @handles(GroupType.SpecsSet)
    def specs_set(self, cur: ReadCursor, e: GroupType.SpecsSet) -> None:
        cur.execute("UPDATE group_types SET group_specs = ? WHERE id = ?",
                    (as_json({**self._specs(cur, e), **e.specs}), hexid(e)))

    @handles(GroupType.SpecUnset)
    def spec_unset(self, cur: ReadCursor, e: GroupType.SpecUnset) -> None:
        specs = {k: v for k, v in self._specs(cur, e).items() if k != e.key}
        cur.execute("UPDATE group_types SET group_specs = ? WHERE id = ?",
                    (as_json(specs), hexid(e)))

    @handles(GroupType.Deleted)
    def deleted(self, cur: ReadCursor, e: GroupType.Deleted) -> None:
        cur.execute("DELETE FROM group_types WHERE id = ?", (hexid(e),))


def _decoded(row: Row) -> Row:
    return {**row, "is_public": bool(row["is_public"]),
            "group_specs": from_json(row["group_specs"]) or {}}


class GroupTypeViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, type_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM group_types WHERE id = ?", (type_id,))
        return _decoded(row) if row else None

    def list(self) -> list[Row]:
        """In creation order."""
        return [_decoded(r) for r in self.store.query("SELECT * FROM group_types ORDER BY seq")]
