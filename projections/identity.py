"""Read model of projects, users, roles and role assignments (Keystone list/show endpoints)."""

from __future__ import annotations

from typing import Any

from domain.identity.project import Project
from domain.identity.role import Role
from domain.identity.user import User
from projections.base import Projection, handles, hexid
from projections.store import ReadCursor

USER_COLUMNS = ("name", "domain_id", "default_project_id", "email", "description", "enabled")
PROJECT_COLUMNS = ("name", "domain_id", "description", "enabled")


def update_columns(cur: ReadCursor, table: str, allowed: tuple[str, ...], row_id: str,
                   changes: dict[str, Any]) -> None:
    cols = [c for c in changes if c in allowed]
    if cols:
        cur.execute(f"UPDATE {table} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                    [changes[c] for c in cols] + [row_id])


class IdentityProjection(Projection):
    name = "identity"
    tables = ("role_assignments", "users", "projects", "roles")
    ddl = (
        "CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " domain_id TEXT NOT NULL, description TEXT, enabled BOOLEAN NOT NULL)",
        "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " domain_id TEXT NOT NULL, default_project_id TEXT, email TEXT, description TEXT,"
        " enabled BOOLEAN NOT NULL, password_expires_at TEXT)",
        "CREATE TABLE IF NOT EXISTS roles (id TEXT PRIMARY KEY, name TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS role_assignments (user_id TEXT NOT NULL,"
        " project_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (user_id, project_id, role))",
    )

    @handles(Project.Created)
    def project_created(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("INSERT INTO projects (id, name, domain_id, description, enabled)"
                    " VALUES (?, ?, ?, ?, ?)", (hexid(e), e.name, e.domain_id, e.description, e.enabled))

    @handles(Project.Updated)
    def project_updated(self, cur: ReadCursor, e: Any) -> None:
        update_columns(cur, "projects", PROJECT_COLUMNS, hexid(e), e.changes)

    @handles(Project.Deleted)
    def project_deleted(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM role_assignments WHERE project_id = ?", (hexid(e),))
        cur.execute("DELETE FROM projects WHERE id = ?", (hexid(e),))

    @handles(User.Created)
    def user_created(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("INSERT INTO users (id, name, domain_id, default_project_id, email, description,"
                    " enabled) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.name, e.domain_id, e.default_project_id, e.email, e.description,
                     e.enabled))

    @handles(User.Updated)
    def user_updated(self, cur: ReadCursor, e: Any) -> None:
        update_columns(cur, "users", USER_COLUMNS, hexid(e), e.changes)

    @handles(User.Disabled, User.Enabled)
    def user_enablement(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("UPDATE users SET enabled = ? WHERE id = ?",
                    (isinstance(e, User.Enabled), hexid(e)))

    @handles(User.RoleGranted)
    def role_granted(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("INSERT INTO role_assignments (user_id, project_id, role) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING", (hexid(e), e.project_id, e.role))

    @handles(User.RoleRevoked)
    def role_revoked(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM role_assignments WHERE user_id = ? AND project_id = ? AND role = ?",
                    (hexid(e), e.project_id, e.role))

    @handles(User.Deleted)
    def user_deleted(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM role_assignments WHERE user_id = ?", (hexid(e),))
        cur.execute("DELETE FROM users WHERE id = ?", (hexid(e),))

    @handles(Role.Created)
    def role_created(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("INSERT INTO roles (id, name) VALUES (?, ?)", (hexid(e), e.name))

    @handles(Role.Deleted)
    def role_deleted(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM roles WHERE id = ?", (hexid(e),))
