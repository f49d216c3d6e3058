"""Read model of trusts (Keystone's `/OS-TRUST/trusts` listings)."""

from __future__ import annotations

from domain.identity.trust import Trust
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.identity import SafeQueries, _filters, _one
from projections.store import ReadCursor, ReadStore, Row


class TrustProjection(Projection):
    name = "trusts"
    tables = ("trusts",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS trusts (id TEXT PRIMARY KEY, trustor_user_id TEXT NOT NULL,"
        " trustee_user_id TEXT NOT NULL, project_id TEXT, roles TEXT NOT NULL,"
        " impersonation BOOLEAN NOT NULL, expires_at TEXT, remaining_uses INTEGER,"
        " allow_redelegation BOOLEAN NOT NULL)",
    )

    @handles(Trust.Created)
    def created(self, cur: ReadCursor, e: Trust.Created) -> None:
        cur.execute("INSERT INTO trusts (id, trustor_user_id, trustee_user_id, project_id, roles,"
                    " impersonation, expires_at, remaining_uses, allow_redelegation)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.trustor_user_id, e.trustee_user_id, e.project_id,
                     as_json(e.roles), e.impersonation, e.expires_at, e.remaining_uses,
                     e.allow_redelegation))

    @handles(Trust.Consumed)
    def consumed(self, cur: ReadCursor, e: Trust.Consumed) -> None:
        cur.execute("UPDATE trusts SET remaining_uses = remaining_uses - 1 WHERE id = ?",
                    (hexid(e),))

    @handles(Trust.Deleted)
    def deleted(self, cur: ReadCursor, e: Trust.Deleted) -> None:
        cur.execute("DELETE FROM trusts WHERE id = ?", (hexid(e),))


class TrustViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def trust(self, trust_id: str) -> Row | None:
        row = _one(self.store, "SELECT * FROM trusts WHERE id = ?", (trust_id,))
        return {**row, "roles": from_json(row["roles"])} if row else None

    def trusts(self, trustor_user_id: str | None = None,
               trustee_user_id: str | None = None) -> list[Row]:
        where, params = _filters(trustor_user_id=trustor_user_id, trustee_user_id=trustee_user_id)
        rows = self.store.query(f"SELECT * FROM trusts{where} ORDER BY id", params)
        return [{**r, "roles": from_json(r["roles"])} for r in rows]
