"""Read model of application credentials and access rules (never a secret or its hash)."""

from __future__ import annotations

from domain.identity.app_credential import AccessRule, ApplicationCredential
from domain.identity.user import User
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.identity import SafeQueries, _filters, _one
from projections.store import ReadCursor, ReadStore, Row


class AppCredentialProjection(Projection):
    name = "app_credentials"
    tables = ("app_credentials", "access_rules")
    ddl = (
        "CREATE TABLE IF NOT EXISTS app_credentials (id TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
        " project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT, roles TEXT NOT NULL,"
        " expires_at TEXT, unrestricted BOOLEAN NOT NULL, access_rules TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS access_rules (id TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
        " service TEXT NOT NULL, path TEXT NOT NULL, method TEXT NOT NULL,"
        # A deleted rule comes back when a credential names it again (AccessRule.Restored).
        " deleted BOOLEAN NOT NULL)",
    )

    @handles(ApplicationCredential.Created)
    def created(self, cur: ReadCursor, e: ApplicationCredential.Created) -> None:
        cur.execute("INSERT INTO app_credentials (id, user_id, project_id, name, description,"
                    " roles, expires_at, unrestricted, access_rules)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.user_id, e.project_id, e.name, e.description, as_json(e.roles),
                     e.expires_at, e.unrestricted, as_json(e.access_rules)))

    @handles(ApplicationCredential.Deleted)
    def deleted(self, cur: ReadCursor, e: ApplicationCredential.Deleted) -> None:
        cur.execute("DELETE FROM app_credentials WHERE id = ?", (hexid(e),))

    @handles(User.Deleted)
    def user_deleted(self, cur: ReadCursor, e: User.Deleted) -> None:
        for table in ("app_credentials", "access_rules"):
            cur.execute(f"DELETE FROM {table} WHERE user_id = ?", (hexid(e),))

    @handles(AccessRule.Created)
    def rule_created(self, cur: ReadCursor, e: AccessRule.Created) -> None:
        cur.execute("INSERT INTO access_rules (id, user_id, service, path, method, deleted)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.user_id, e.service, e.path, e.method, False))

    @handles(AccessRule.Restored, AccessRule.Deleted)
    def rule_deleted(self, cur: ReadCursor, e: AccessRule.Restored | AccessRule.Deleted) -> None:
        cur.execute("UPDATE access_rules SET deleted = ? WHERE id = ?",
                    (isinstance(e, AccessRule.Deleted), hexid(e)))


class AppCredentialViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def credentials(self, user_id: str, name: str | None = None) -> list[Row]:
        where, params = _filters(user_id=user_id, name=name)
        rows = self.store.query(f"SELECT * FROM app_credentials{where} ORDER BY name, id",
                                params)
        return [_decoded(r) for r in rows]

    def credential(self, user_id: str, credential_id: str) -> Row | None:
        row = _one(self.store, "SELECT * FROM app_credentials WHERE id = ? AND user_id = ?",
                   (credential_id, user_id))
        return _decoded(row) if row else None

    def rules(self, user_id: str) -> list[Row]:
        return self.store.query("SELECT id, service, path, method FROM access_rules"
                                " WHERE user_id = ? AND deleted = ? ORDER BY id", (user_id, False))

    def rule(self, user_id: str, rule_id: str) -> Row | None:
        return _one(self.store, "SELECT id, service, path, method FROM access_rules"
                    " WHERE id = ? AND user_id = ? AND deleted = ?", (rule_id, user_id, False))


def _decoded(row: Row) -> Row:
    return {**row, "roles": from_json(row["roles"]), "access_rules": from_json(row["access_rules"])}
