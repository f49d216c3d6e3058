"""Read model of credentials; the blob stays encrypted here (the API decrypts what it shows)."""

from __future__ import annotations

from domain.identity.credential import Credential
from domain.identity.user import User
from projections.base import Projection, handles
from projections.identity import SafeQueries, _filters, _one
from projections.store import ReadCursor, ReadStore, Row

COLUMNS = ("user_id", "project_id", "type", "encrypted_blob")


class CredentialProjection(Projection):
    name = "credentials"
    tables = ("credentials",)
    ddl = (
        # key: the aggregate's id; id: the credential's (sha256 of the access key for ec2).
        "CREATE TABLE IF NOT EXISTS credentials (key TEXT PRIMARY KEY, id TEXT NOT NULL,"
        " user_id TEXT NOT NULL, project_id TEXT, type TEXT NOT NULL,"
        " encrypted_blob TEXT NOT NULL)",
    )

    @handles(Credential.Created)
    def created(self, cur: ReadCursor, e: Credential.Created) -> None:
        cur.execute("INSERT INTO credentials (key, id, user_id, project_id, type, encrypted_blob)"
                    " VALUES (?, ?, ?, ?, ?, ?)", (e.originator_id.hex, e.credential_id,
                                                   e.user_id, e.project_id, e.type,
                                                   e.encrypted_blob))

    @handles(Credential.Updated)
    def updated(self, cur: ReadCursor, e: Credential.Updated) -> None:
        cols = [c for c in e.changes if c in COLUMNS]
        if cols:
            cur.execute(f"UPDATE credentials SET {', '.join(c + ' = ?' for c in cols)}"
                        " WHERE key = ?", [e.changes[c] for c in cols] + [e.originator_id.hex])

    @handles(Credential.Deleted)
    def deleted(self, cur: ReadCursor, e: Credential.Deleted) -> None:
        cur.execute("DELETE FROM credentials WHERE key = ?", (e.originator_id.hex,))

    @handles(User.Deleted)
    def user_deleted(self, cur: ReadCursor, e: User.Deleted) -> None:
        cur.execute("DELETE FROM credentials WHERE user_id = ?", (e.originator_id.hex,))


class CredentialViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def credential(self, credential_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM credentials WHERE id = ?", (credential_id,))

    def credentials(self, user_id: str | None = None, type: str | None = None) -> list[Row]:  # noqa: A002
        where, params = _filters(user_id=user_id, type=type)
        return self.store.query(f"SELECT * FROM credentials{where} ORDER BY id", params)


