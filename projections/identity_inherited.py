"""Queries over the identity read models for OS-INHERIT grants (domain/identity/inheritance.py):
the grants themselves, and the project assignments they amount to (`?effective`)."""

from __future__ import annotations

from domain.identity.inheritance import INHERITED, split_inherited
from projections.identity import SafeQueries, _filters
from projections.store import ReadStore, Row


class InheritedViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def user_grants(self, user_id: str | None = None) -> list[Row]:
        """Users' inherited grants: user_id, user_name, user_domain_id, target (the
        `inherited_target` key), role_id, role_name."""
        where, params = _filters(**{"a.user_id": user_id})
        return self.store.query(
            "SELECT a.user_id, u.name AS user_name, u.domain_id AS user_domain_id,"
            " a.project_id AS target, r.id AS role_id, r.name AS role_name"
            " FROM role_assignments a JOIN users u ON u.id = a.user_id"
            f" JOIN roles r ON r.id = a.role{where or ' WHERE TRUE'} AND a.project_id LIKE ?"
            " ORDER BY u.name, r.name", [*params, f"{INHERITED}%"])

    def group_grants(self, group_id: str | None = None) -> list[Row]:
        """Groups' inherited grants, in the row shape of DomainGroupViews.group_assignments."""
        where, params = _filters(**{"g.group_id": group_id})
        return self.store.query(
            "SELECT g.group_id, g.target, r.id AS role_id, r.name AS role_name,"
            " gr.name AS group_name, gr.domain_id AS group_domain_id"
            " FROM group_grants g JOIN roles r ON r.id = g.role"
            f" JOIN groups gr ON gr.id = g.group_id{where or ' WHERE TRUE'}"
            " AND g.target LIKE ? ORDER BY gr.name, r.name", [*params, f"{INHERITED}%"])

    def projects_below(self, target: str) -> list[Row]:
        """The projects (id, name, domain_id) an inherited grant holds on: every project of the
        domain, or every project under the project (not itself)."""
        kind, target_id = split_inherited(target)
        projects = self.store.query(
            "SELECT p.id, p.name, p.domain_id, pp.parent_id FROM projects p"
            " LEFT JOIN project_parents pp ON pp.project_id = p.id ORDER BY p.name, p.id")
        if kind == "domain":
            return [p for p in projects if p["domain_id"] == target_id]
        below, frontier = [], [target_id]
        while frontier:
            parent = frontier.pop(0)
            children = [p for p in projects if p["parent_id"] == parent and p not in below]
            below += children
            frontier += [c["id"] for c in children]
        return below

    def effective(self, user_id: str | None, project_id: str | None) -> list[Row]:
        """The project assignments the users' own inherited grants amount to, in the row shape
        of IdentityViews.assignments, on `project_id` only when given."""
        rows: list[Row] = []
        for grant in self.user_grants(user_id):
            for project in self.projects_below(grant["target"]):
                if project_id in (None, project["id"]):
                    rows.append({**{k: v for k, v in grant.items() if k != "target"},
                                 "project_id": project["id"], "project_name": project["name"],
                                 "project_domain_id": project["domain_id"]})
        return rows

    def effective_of_groups(self, project_id: str | None) -> list[Row]:
        """Groups' inherited grants as assignments on each project below (`target` the project
        id), in the row shape of DomainGroupViews.group_assignments."""
        return [{**grant, "target": project["id"]}
                for grant in self.group_grants()
                for project in self.projects_below(grant["target"])
                if project_id in (None, project["id"])]
