"""`/role_assignments` and OS-INHERIT: inherited grants listed as such (scope marked
`OS-INHERIT:inherited_to: projects`), or with `?effective` as the project assignments they
amount to (domain/identity/inheritance.py)."""

from __future__ import annotations

from typing import Any

from api.bodies.identity import V3, assignment_body
from domain.identity.inheritance import is_inherited, split_inherited
from projections.identity import with_implied
from projections.identity_inherited import InheritedViews
from projections.store import ReadStore, Row


def without_inherited(rows: list[Row]) -> list[Row]:
    """The rows that are not inherited grants (those are listed by `inherited_bodies`)."""
    return [r for r in rows if not is_inherited(r.get("target") or r.get("project_id") or "")]


def inherited_bodies(store: ReadStore, base: str, params: dict[str, str],
                     include_names: bool) -> list[dict[str, Any]]:
    """The inherited grants matching the listing's filters, as Keystone shows them."""
    if params.get("scope.system"):
        return []
    views, user_id, group_id = InheritedViews(store), params.get("user.id"), params.get("group.id")
    rows = [] if group_id else views.user_grants(user_id)
    rows += [] if user_id else views.group_grants(group_id)
    wanted = {("project", params.get("scope.project.id")),
              ("domain", params.get("scope.domain.id"))}
    scoped = any(target_id for _, target_id in wanted)
    out = []
    for row in rows:
        kind, target_id = split_inherited(row["target"])
        if scoped and (kind, target_id) not in wanted:
            continue
        shown = {**row, "target": f"domain:{target_id}" if kind == "domain" else target_id}
        body = assignment_body(shown, base, include_names)
        body["scope"]["OS-INHERIT:inherited_to"] = "projects"
        actor = "groups" if "group_id" in row else "users"
        who = row.get("group_id") or row["user_id"]
        body["links"]["assignment"] = (f"{base}{V3}/OS-INHERIT/{kind}s/{target_id}/{actor}/{who}"
                                       f"/roles/{row['role_id']}/inherited_to_projects")
        out.append(body)
    return out


def effective_inherited(store: ReadStore, user_id: str | None, project_id: str | None,
                        direct: dict[str, list[str]], index: dict[str, Row]) -> list[Row]:
    """`?effective`: the users' own inherited grants as assignments on each project below,
    with the roles they imply."""
    return [out for row in InheritedViews(store).effective(user_id, project_id)
            for out in with_implied(row, direct, index)]
