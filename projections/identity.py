"""Read model of projects, users, roles and role assignments (Keystone list/show endpoints)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from domain.identity.inheritance import inherited_target
from domain.identity.project import Project
from domain.identity.role import DIRECTLY_IMPLIES, Role, implied_with_prior
from domain.identity.user import User
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row

USER_COLUMNS = ("name", "domain_id", "default_project_id", "email", "description", "enabled",
                "extra")
PROJECT_COLUMNS = ("name", "domain_id", "description", "enabled", "tags", "extra")
ROLE_COLUMNS = ("name", "description", "extra")
JSON_COLUMNS = ("tags", "extra")


def update_columns(cur: ReadCursor, table: str, allowed: tuple[str, ...], row_id: str,
                   changes: dict[str, Any]) -> None:
    cols = [c for c in changes if c in allowed]
    if cols:
        values = [as_json(changes[c]) if c in JSON_COLUMNS else changes[c] for c in cols]
        cur.execute(f"UPDATE {table} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                    values + [row_id])


def newer(event: Any, field: str, default: Any) -> Any:
    """A Created field added after the first release: events stored before it lack it."""
    value = getattr(event, field, None)
    return default if value is None else value


class IdentityProjection(Projection):
    name = "identity"
    tables = ("role_assignments", "system_grants", "role_inferences", "users", "projects",
              "roles")
    ddl = (
        "CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " domain_id TEXT NOT NULL, description TEXT, enabled BOOLEAN NOT NULL, tags TEXT,"
        " extra TEXT)",
        "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " domain_id TEXT NOT NULL, default_project_id TEXT, email TEXT, description TEXT,"
        " enabled BOOLEAN NOT NULL, password_expires_at TEXT, extra TEXT)",
        "CREATE TABLE IF NOT EXISTS roles (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " description TEXT, extra TEXT, domain_id TEXT)",
        "CREATE TABLE IF NOT EXISTS role_assignments (user_id TEXT NOT NULL,"
        " project_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (user_id, project_id, role))",
        # Roles on the system scope, of users (actor_type 'user') and groups ('group').
        "CREATE TABLE IF NOT EXISTS system_grants (actor_type TEXT NOT NULL,"
        " actor_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (actor_type, actor_id, role))",
        # Assignments and grants name roles by id. Inferences added to the built-in chain
        # (domain/identity/role.py), by role id.
        "CREATE TABLE IF NOT EXISTS role_inferences (prior TEXT NOT NULL, implied TEXT NOT NULL,"
        " PRIMARY KEY (prior, implied))",
    )

    @handles(Project.Created)
    def project_created(self, cur: ReadCursor, e: Project.Created) -> None:
        cur.execute("INSERT INTO projects (id, name, domain_id, description, enabled, tags, extra)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.name, e.domain_id, e.description, e.enabled,
                     as_json(newer(e, "tags", [])), as_json(newer(e, "extra", {}))))

    @handles(Project.Updated)
    def project_updated(self, cur: ReadCursor, e: Project.Updated) -> None:
        update_columns(cur, "projects", PROJECT_COLUMNS, hexid(e), e.changes)

    @handles(Project.Deleted)
    def project_deleted(self, cur: ReadCursor, e: Project.Deleted) -> None:
        # Its grants, those inherited to the projects below it included (OS-INHERIT).
        cur.execute("DELETE FROM role_assignments WHERE project_id IN (?, ?)",
                    (hexid(e), inherited_target("project", hexid(e))))
        cur.execute("DELETE FROM projects WHERE id = ?", (hexid(e),))

    @handles(User.Created)
    def user_created(self, cur: ReadCursor, e: User.Created) -> None:
        cur.execute("INSERT INTO users (id, name, domain_id, default_project_id, email,"
                    " description, enabled, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.name, e.domain_id, e.default_project_id, e.email, e.description,
                     e.enabled, as_json(newer(e, "extra", {}))))

    @handles(User.Updated)
    def user_updated(self, cur: ReadCursor, e: User.Updated) -> None:
        update_columns(cur, "users", USER_COLUMNS, hexid(e), e.changes)

    @handles(User.Disabled, User.Enabled)
    def user_enablement(self, cur: ReadCursor, e: User.Disabled | User.Enabled) -> None:
        cur.execute("UPDATE users SET enabled = ? WHERE id = ?",
                    (isinstance(e, User.Enabled), hexid(e)))

    @handles(User.RoleGranted)
    def role_granted(self, cur: ReadCursor, e: User.RoleGranted) -> None:
        cur.execute("INSERT INTO role_assignments (user_id, project_id, role) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING", (hexid(e), e.project_id, e.role))

    @handles(User.RoleRevoked)
    def role_revoked(self, cur: ReadCursor, e: User.RoleRevoked) -> None:
        cur.execute("DELETE FROM role_assignments WHERE user_id = ? AND project_id = ?"
                    " AND role = ?", (hexid(e), e.project_id, e.role))

    @handles(User.SystemRoleGranted)
    def system_role_granted(self, cur: ReadCursor, e: User.SystemRoleGranted) -> None:
        cur.execute("INSERT INTO system_grants (actor_type, actor_id, role) VALUES ('user', ?, ?)"
                    " ON CONFLICT DO NOTHING", (hexid(e), e.role))

    @handles(User.SystemRoleRevoked)
    def system_role_revoked(self, cur: ReadCursor, e: User.SystemRoleRevoked) -> None:
        cur.execute("DELETE FROM system_grants WHERE actor_type = 'user' AND actor_id = ?"
                    " AND role = ?", (hexid(e), e.role))

    @handles(User.Deleted)
    def user_deleted(self, cur: ReadCursor, e: User.Deleted) -> None:
        cur.execute("DELETE FROM role_assignments WHERE user_id = ?", (hexid(e),))
        cur.execute("DELETE FROM system_grants WHERE actor_type = 'user' AND actor_id = ?",
                    (hexid(e),))
        cur.execute("DELETE FROM users WHERE id = ?", (hexid(e),))

    @handles(Role.Created)
    def role_created(self, cur: ReadCursor, e: Role.Created) -> None:
        cur.execute("INSERT INTO roles (id, name, description, extra, domain_id)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (hexid(e), e.name, newer(e, "description", None),
                     as_json(newer(e, "extra", {})), e.domain_id))

    @handles(Role.Updated)
    def role_updated(self, cur: ReadCursor, e: Role.Updated) -> None:
        update_columns(cur, "roles", ROLE_COLUMNS, hexid(e), e.changes)

    @handles(Role.Implied)
    def role_implied(self, cur: ReadCursor, e: Role.Implied) -> None:
        cur.execute("INSERT INTO role_inferences (prior, implied) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING", (hexid(e), e.implied))

    @handles(Role.ImplicationRemoved)
    def implication_removed(self, cur: ReadCursor, e: Role.ImplicationRemoved) -> None:
        cur.execute("DELETE FROM role_inferences WHERE prior = ? AND implied = ?",
                    (hexid(e), e.implied))

    @handles(Role.Deleted)
    def role_deleted(self, cur: ReadCursor, e: Role.Deleted) -> None:
        cur.execute("DELETE FROM role_inferences WHERE prior = ? OR implied = ?",
                    (hexid(e), hexid(e)))
        cur.execute("DELETE FROM roles WHERE id = ?", (hexid(e),))


# An assignment row with everything a Keystone role-assignment body names.
ASSIGNMENT_SELECT = (
    "SELECT a.user_id, u.name AS user_name, u.domain_id AS user_domain_id, a.project_id,"
    " p.name AS project_name, p.domain_id AS project_domain_id, r.id AS role_id,"
    " r.name AS role_name"
    " FROM role_assignments a JOIN users u ON u.id = a.user_id"
    " JOIN projects p ON p.id = a.project_id JOIN roles r ON r.id = a.role"
)


# Projects with their parent (from the domains-and-groups read model), NULL under the domain.
PROJECT_SELECT = ("SELECT p.*, pp.parent_id FROM projects p"
                  " LEFT JOIN project_parents pp ON pp.project_id = p.id")


class IdentityViews:
    """Queries over the identity read model; rows come back as plain dicts."""

    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def project(self, project_id: str) -> Row | None:
        return _one(self.store, f"{PROJECT_SELECT} WHERE p.id = ?", (project_id,))

    def projects(self, name: str | None = None, domain_id: str | None = None,
                 enabled: bool | None = None, parent_id: str | None = None) -> list[Row]:
        where, params = _filters(**{"p.name": name, "p.domain_id": domain_id,
                                    "p.enabled": enabled})
        rows = _decoded(self.store.query(f"{PROJECT_SELECT}{where} ORDER BY p.name, p.id",
                                         params))
        # A top-level project's parent is its domain.
        return [r for r in rows
                if parent_id is None or (r["parent_id"] or r["domain_id"]) == parent_id]

    def projects_of_user(self, user_id: str, enabled_only: bool = False) -> list[Row]:
        """The projects on which the user holds at least one role, theirs or a group's."""
        enabled = " AND p.enabled = ?" if enabled_only else ""
        return _decoded(self.store.query(
            f"{PROJECT_SELECT} WHERE (p.id IN (SELECT project_id FROM role_assignments"
            " WHERE user_id = ?) OR p.id IN (SELECT g.target FROM group_grants g"
            " JOIN group_members m ON m.group_id = g.group_id WHERE m.user_id = ?))"
            f"{enabled} ORDER BY p.name, p.id",
            (user_id, user_id, True) if enabled_only else (user_id, user_id)))

    def user(self, user_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM users WHERE id = ?", (user_id,))

    def users(self, name: str | None = None, domain_id: str | None = None,
              enabled: bool | None = None) -> list[Row]:
        where, params = _filters(name=name, domain_id=domain_id, enabled=enabled)
        return _decoded(self.store.query(f"SELECT * FROM users{where} ORDER BY name, id", params))

    def holders_of(self, role_id: str) -> list[str]:
        """Ids of the users and groups that hold the role anywhere."""
        rows = self.store.query(
            "SELECT user_id AS id FROM role_assignments WHERE role = ? UNION"
            " SELECT actor_id AS id FROM system_grants WHERE role = ? UNION"
            " SELECT group_id AS id FROM group_grants WHERE role = ?",
            (role_id, role_id, role_id))
        return sorted(r["id"] for r in rows)

    def members_of(self, project_id: str) -> list[str]:
        rows = self.store.query("SELECT DISTINCT user_id FROM role_assignments WHERE project_id = ?"
                                " ORDER BY user_id", (project_id,))
        return [r["user_id"] for r in rows]

    def role(self, role_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM roles WHERE id = ?", (role_id,))

    def role_named(self, name: str) -> Row | None:
        """The global role of that name (the one tokens and policies know it by)."""
        return _one(self.store, "SELECT * FROM roles WHERE name = ? AND domain_id IS NULL",
                    (name,))

    def roles(self, name: str | None = None, domain_id: str | None = None) -> list[Row]:
        """The global roles, or with `domain_id` that domain's (Keystone lists one or the
        other)."""
        where, params = _filters(name=name)
        scope = "domain_id = ?" if domain_id is not None else "domain_id IS NULL"
        where = f"{where} AND {scope}" if where else f" WHERE {scope}"
        params += [domain_id] if domain_id is not None else []
        return _decoded(self.store.query(f"SELECT * FROM roles{where} ORDER BY name, id",
                                         params))

    def role_index(self) -> dict[str, Row]:
        """Every role by id (hex): what effective assignments name and leave out."""
        return {r["id"]: r for r in _decoded(self.store.query("SELECT * FROM roles"))}

    def roles_on(self, project_id: str, user_id: str) -> list[Row]:
        return _decoded(self.store.query(
            "SELECT r.* FROM roles r JOIN role_assignments a ON a.role = r.id"
            " WHERE a.project_id = ? AND a.user_id = ? ORDER BY r.name", (project_id, user_id)))

    def assignments(self, user_id: str | None = None, project_id: str | None = None,
                    effective: bool = False) -> list[Row]:
        """Role assignments; `effective` adds each implied role, naming its `prior_role_id`."""
        where, params = _filters(**{"a.user_id": user_id, "a.project_id": project_id})
        rows = self.store.query(f"{ASSIGNMENT_SELECT}{where} ORDER BY u.name, p.name, r.name",
                                params)
        if not effective:
            return rows
        direct, index = self.inferences(), self.role_index()
        return [out for row in rows for out in with_implied(row, direct, index)]


    def inferences(self) -> dict[str, list[str]]:
        """Each role's direct implications (ids hex): the built-in chain and those added
        since."""
        direct = {prior: list(implied) for prior, implied in DIRECTLY_IMPLIES.items()}
        for row in self.store.query("SELECT prior, implied FROM role_inferences"
                                    " ORDER BY prior, implied"):
            direct.setdefault(row["prior"], []).append(row["implied"])
        return direct

    def domain_roles(self, domain_id: str, user_id: str) -> list[Row]:
        return self.roles_on(f"domain:{domain_id}", user_id)

    def domain_assignments(self, user_id: str | None, domain_id: str | None) -> list[Row]:
        """Users' roles on domains, in the row shape of `assignments` (project_id holds the
        `domain:<id>` key)."""
        where, params = _filters(**{"a.user_id": user_id})
        scope = " AND a.project_id = ?" if domain_id else " AND a.project_id LIKE 'domain:%'"
        return self.store.query(
            "SELECT a.user_id, u.name AS user_name, u.domain_id AS user_domain_id, a.project_id,"
            " r.id AS role_id, r.name AS role_name FROM role_assignments a"
            " JOIN users u ON u.id = a.user_id JOIN roles r ON r.id = a.role"
            f"{where or ' WHERE TRUE'}{scope} ORDER BY u.name, r.name",
            params + ([f"domain:{domain_id}"] if domain_id else []))

    def system_roles(self, actor_id: str, actor_type: str = "user") -> list[Row]:
        return _decoded(self.store.query(
            "SELECT r.* FROM roles r JOIN system_grants g ON g.role = r.id"
            " WHERE g.actor_type = ? AND g.actor_id = ? ORDER BY r.name", (actor_type, actor_id)))

    def system_assignments(self, user_id: str | None = None, effective: bool = False) -> list[Row]:
        """Users' role assignments on the system scope, in the row shape of `assignments`."""
        where, params = _filters(**{"g.actor_type": "user", "g.actor_id": user_id})
        rows = self.store.query(
            "SELECT g.actor_id AS user_id, u.name AS user_name, u.domain_id AS user_domain_id,"
            " r.id AS role_id, r.name AS role_name"
            " FROM system_grants g JOIN users u ON u.id = g.actor_id"
            " JOIN roles r ON r.id = g.role"
            f"{where} ORDER BY u.name, r.name", params)
        if not effective:
            return rows
        direct, index = self.inferences(), self.role_index()
        return [out for row in rows for out in with_implied(row, direct, index)]


class SafeQueries:
    """Answers "no rows" for a parameter holding a NUL character instead of querying.

    Nothing stored can hold one (request bodies refuse it), and PostgreSQL would reject the
    query outright, turning a bad id in a URL into a server error.
    """

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if any(isinstance(p, str) and "\x00" in p for p in params):
            return []
        return self.store.query(sql, params)


def _filters(**equal: Any) -> tuple[str, list[Any]]:
    """A WHERE clause matching every given (non-None) column exactly."""
    wanted = {column: value for column, value in equal.items() if value is not None}
    if not wanted:
        return "", []
    return " WHERE " + " AND ".join(f"{c} = ?" for c in wanted), list(wanted.values())


def with_implied(row: Row, direct: Mapping[str, Sequence[str]],
                 index: Mapping[str, Row]) -> list[Row]:
    """The row and one per role its role implies, naming that role's `prior_role_id`; the
    domain-specific roles among them left out, as from a token (Keystone's `effective`)."""
    rows = [row] + [{**row, "role_id": implied, "role_name": index[implied]["name"],
                     "prior_role_id": prior}
                    for implied, prior in implied_with_prior(row["role_id"], direct)
                    if implied in index]
    return [r for r in rows if index.get(r["role_id"], {}).get("domain_id") is None]


def _one(store: SafeQueries, sql: str, params: tuple[Any, ...]) -> Row | None:
    rows = _decoded(store.query(sql, params))
    return rows[0] if rows else None


def _decoded(rows: list[Row]) -> list[Row]:
    return [{**r, **{c: from_json(r[c]) for c in JSON_COLUMNS if c in r}} for r in rows]
