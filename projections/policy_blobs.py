"""Read model of Keystone's `/policies` blobs."""

from __future__ import annotations

from domain.identity.policy_blob import PolicyBlob
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.identity import SafeQueries, _filters, _one, update_columns
from projections.store import ReadCursor, ReadStore, Row


class PolicyBlobProjection(Projection):
    name = "policy_blobs"
    tables = ("policy_blobs",)
    ddl = ("CREATE TABLE IF NOT EXISTS policy_blobs (id TEXT PRIMARY KEY, blob TEXT NOT NULL,"
           " type TEXT NOT NULL, extra TEXT)",)

    @handles(PolicyBlob.Created)
    def created(self, cur: ReadCursor, e: PolicyBlob.Created) -> None:
        cur.execute("INSERT INTO policy_blobs (id, blob, type, extra) VALUES (?, ?, ?, ?)",
                    (hexid(e), e.blob, e.type, as_json(e.extra or {})))

    @handles(PolicyBlob.Updated)
    def updated(self, cur: ReadCursor, e: PolicyBlob.Updated) -> None:
        update_columns(cur, "policy_blobs", ("blob", "type", "extra"), hexid(e), e.changes)

    @handles(PolicyBlob.Deleted)
    def deleted(self, cur: ReadCursor, e: PolicyBlob.Deleted) -> None:
        cur.execute("DELETE FROM policy_blobs WHERE id = ?", (hexid(e),))


class PolicyBlobViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def policy(self, policy_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM policy_blobs WHERE id = ?", (policy_id,))

    def policies(self, type: str | None = None) -> list[Row]:  # noqa: A002
        where, params = _filters(type=type)
        rows = self.store.query(f"SELECT * FROM policy_blobs{where} ORDER BY id", params)
        return [{**r, "extra": from_json(r["extra"])} for r in rows]
