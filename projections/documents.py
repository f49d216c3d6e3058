"""A read model kept as one JSON document per aggregate, evolved event by event as the aggregate
evolves, beside the columns its lists filter on (Cinder's per-volume copies and groups: group
snapshots, volume groups).

A subclass names its table, its columns, the event that makes a row (`created`, turned into the
first document by `first`), the events that change it (`EVOLVE`, one `on(...)` row each) and
the one that removes it (`gone`). `seq` is the position of the creating event (creation order,
stable on rebuild); `updated_at` the moment of the last change.
"""

from __future__ import annotations

from typing import Any, ClassVar

from projections.base import Evolve, Projection, as_json, from_json, hexid
from projections.servers import moment
from projections.store import ReadCursor, ReadStore, Row


class DocumentProjection(Projection):
    table: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]  # besides id, seq, updated_at and doc
    created: ClassVar[type]
    gone: ClassVar[type]
    EVOLVE: ClassVar[dict[type, Evolve]]

    def __init__(self) -> None:
        super().__init__()
        self.handlers[self.created] = self._first_row
        self.handlers[self.gone] = self._removed
        self.handlers.update({cls: self._evolved for cls in self.EVOLVE})

    def first(self, e: Any) -> dict[str, Any]:
        raise NotImplementedError

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, self.created):
            self._insert(cur, event, position)
        else:
            super().apply(cur, event, position)

    def _insert(self, cur: ReadCursor, e: Any, position: int) -> None:
        doc = {**self.first(e), "created_at": moment(e)}
        cur.execute(f"INSERT INTO {self.table} (id, seq, doc, updated_at, "
                    + ", ".join(self.columns) + ") VALUES (?, ?, ?, ?"
                    + ", ?" * len(self.columns) + ")",
                    (hexid(e), position, as_json(doc), None,
                     *(doc[c] for c in self.columns)))

    @staticmethod
    def _first_row(self: Any, cur: ReadCursor, e: Any) -> None:
        self._insert(cur, e, 0)  # (apply passes the position; this is the handler table's)

    @staticmethod
    def _evolved(self: Any, cur: ReadCursor, e: Any) -> None:
        row = cur.execute(f"SELECT doc FROM {self.table} WHERE id = ?", (hexid(e),)).one()
        if row is None:
            return
        doc = from_json(row["doc"])
        self.EVOLVE[type(e)](doc, e)
        cur.execute(f"UPDATE {self.table} SET doc = ?, updated_at = ?, "
                    + ", ".join(f"{c} = ?" for c in self.columns) + " WHERE id = ?",
                    (as_json(doc), moment(e), *(doc[c] for c in self.columns), hexid(e)))

    @staticmethod
    def _removed(self: Any, cur: ReadCursor, e: Any) -> None:
        cur.execute(f"DELETE FROM {self.table} WHERE id = ?", (hexid(e),))


def document(row: Row) -> Row:
    return {**from_json(row["doc"]), "id": row["id"], "seq": row["seq"],
            "updated_at": row["updated_at"]}


class DocumentViews:
    """Queries of a DocumentProjection's table."""

    table: ClassVar[str]

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, key: str) -> Row | None:
        row = self.store.query_one(f"SELECT * FROM {self.table} WHERE id = ?", (key,))
        return document(row) if row else None

    def select(self, **equal: Any) -> list[Row]:
        """Newest first; a filter given as None is no filter."""
        clauses, params = ["1 = 1"], []
        for column, value in equal.items():
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT * FROM {self.table} WHERE {' AND '.join(clauses)} ORDER BY seq DESC"
        return [document(r) for r in self.store.query(sql, params)]


