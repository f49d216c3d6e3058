"""Queries over the domains-and-groups read model; rows come back as plain dicts."""

from __future__ import annotations

from projections.identity import SafeQueries, _decoded, _filters, _one
from projections.store import ReadStore, Row

# The built-in domain, which has no events (Keystone's bootstrap makes it).
DEFAULT_DOMAIN_ROW: Row = {"id": "default", "name": "Default", "description": "The default domain",
                           "enabled": True, "tags": [], "extra": {}}


class DomainGroupViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def domain(self, domain_id: str) -> Row | None:
        if domain_id == DEFAULT_DOMAIN_ROW["id"]:
            return dict(DEFAULT_DOMAIN_ROW)
        return _one(self.store, "SELECT * FROM domains WHERE id = ?", (domain_id,))

    def domains(self, name: str | None = None, enabled: bool | None = None) -> list[Row]:
        where, params = _filters(name=name, enabled=enabled)
        rows = _decoded(self.store.query(f"SELECT * FROM domains{where} ORDER BY name, id",
                                         params))
        default = DEFAULT_DOMAIN_ROW
        keep = name in (None, default["name"]) and enabled in (None, True)
        return ([dict(default)] if keep else []) + rows

    def domain_name(self, domain_id: str) -> str | None:
        row = self.domain(domain_id)
        return None if row is None else str(row["name"])

    def group(self, group_id: str) -> Row | None:
        return _one(self.store, "SELECT * FROM groups WHERE id = ?", (group_id,))

    def groups(self, name: str | None = None, domain_id: str | None = None) -> list[Row]:
        where, params = _filters(name=name, domain_id=domain_id)
        return _decoded(self.store.query(f"SELECT * FROM groups{where} ORDER BY name, id",
                                         params))

    def groups_of_user(self, user_id: str) -> list[Row]:
        return _decoded(self.store.query(
            "SELECT g.* FROM groups g JOIN group_members m ON m.group_id = g.id"
            " WHERE m.user_id = ? ORDER BY g.name, g.id", (user_id,)))

    def member_ids(self, group_id: str) -> list[str]:
        rows = self.store.query("SELECT user_id FROM group_members WHERE group_id = ?"
                                " ORDER BY user_id", (group_id,))
        return [r["user_id"] for r in rows]

    def group_roles(self, group_id: str, target: str) -> list[Row]:
        return _decoded(self.store.query(
            "SELECT r.* FROM roles r JOIN group_grants g ON g.role = r.id"
            " WHERE g.group_id = ? AND g.target = ? ORDER BY r.name", (group_id, target)))

    def group_assignments(self, group_id: str | None = None,
                          target: str | None = None) -> list[Row]:
        where, params = _filters(**{"g.group_id": group_id, "g.target": target})
        return self.store.query(
            "SELECT g.group_id, g.target, r.id AS role_id, r.name AS role_name,"
            " gr.name AS group_name, gr.domain_id AS group_domain_id"
            " FROM group_grants g JOIN roles r ON r.id = g.role"
            f" JOIN groups gr ON gr.id = g.group_id{where} ORDER BY gr.name, r.name", params)

    def contents(self, domain_id: str) -> list[str]:
        """Ids of the projects, users and groups in the domain (deleted with it)."""
        rows = self.store.query(
            "SELECT id FROM projects WHERE domain_id = ? UNION SELECT id FROM users"
            " WHERE domain_id = ? UNION SELECT id FROM groups WHERE domain_id = ?",
            (domain_id, domain_id, domain_id))
        return sorted(r["id"] for r in rows)
