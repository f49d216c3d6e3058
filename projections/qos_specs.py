"""Read model of qos-specs and the volume types associated with them (Block Storage
`/qos-specs`)."""

from __future__ import annotations

import builtins
from typing import Any

from domain.storage.qos_specs import QosSpecs
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


class QosSpecsProjection(Projection):
    name = "qos_specs"
    tables = ("qos_associations", "qos_specs")
    ddl = (
        "CREATE TABLE IF NOT EXISTS qos_specs (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " name TEXT NOT NULL, consumer TEXT NOT NULL, specs TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS qos_associations (id TEXT NOT NULL, type_id TEXT NOT NULL,"
        " PRIMARY KEY (id, type_id))",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, QosSpecs.Created):
            self.created(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(QosSpecs.Created)
    def created(self, cur: ReadCursor, e: QosSpecs.Created, position: int = 0) -> None:
        cur.execute("INSERT INTO qos_specs (id, seq, name, consumer, specs)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (hexid(e), position, e.name, e.consumer, as_json(e.specs)))

    def _specs(self, cur: ReadCursor, e: Any) -> dict[str, str]:
        row = cur.execute("SELECT specs FROM qos_specs WHERE id = ?", (hexid(e),)).one()
        return (from_json(row["specs"]) if row else None) or {}

    @handles(QosSpecs.SpecsSet)
    def specs_set(self, cur: ReadCursor, e: QosSpecs.SpecsSet) -> None:
        specs = {**self._specs(cur, e), **e.specs}
        cur.execute("UPDATE qos_specs SET specs = ?, consumer = ? WHERE id = ?",
                    (as_json(specs), e.consumer, hexid(e)))

    @handles(QosSpecs.KeysUnset)
    def keys_unset(self, cur: ReadCursor, e: QosSpecs.KeysUnset) -> None:
        specs = {k: v for k, v in self._specs(cur, e).items() if k not in e.keys}
        cur.execute("UPDATE qos_specs SET specs = ? WHERE id = ?", (as_json(specs), hexid(e)))

    @handles(QosSpecs.TypeAssociated)
    def associated(self, cur: ReadCursor, e: QosSpecs.TypeAssociated) -> None:
        cur.execute("DELETE FROM qos_associations WHERE id = ? AND type_id = ?",
                    (hexid(e), e.type_id))
        cur.execute("INSERT INTO qos_associations (id, type_id) VALUES (?, ?)",
                    (hexid(e), e.type_id))

    @handles(QosSpecs.TypeDisassociated)
    def disassociated(self, cur: ReadCursor, e: QosSpecs.TypeDisassociated) -> None:
        cur.execute("DELETE FROM qos_associations WHERE id = ? AND type_id = ?",
                    (hexid(e), e.type_id))

    @handles(QosSpecs.Deleted)
    def deleted(self, cur: ReadCursor, e: QosSpecs.Deleted) -> None:
        cur.execute("DELETE FROM qos_associations WHERE id = ?", (hexid(e),))
        cur.execute("DELETE FROM qos_specs WHERE id = ?", (hexid(e),))


def _decoded(row: Row) -> Row:
    return {**row, "specs": from_json(row["specs"]) or {}}


class QosSpecsViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, qos_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM qos_specs WHERE id = ?", (qos_id,))
        return _decoded(row) if row else None

    def list(self) -> list[Row]:
        return [_decoded(r) for r in self.store.query("SELECT * FROM qos_specs"
                                                       " ORDER BY seq DESC")]

    def associations(self, qos_id: str) -> builtins.list[Row]:
        """The associated volume types (id and name), in name order."""
        return self.store.query(
            "SELECT t.id, t.name FROM qos_associations a JOIN volume_types t ON t.id = a.type_id"
            " WHERE a.id = ? ORDER BY t.name", (qos_id,))
