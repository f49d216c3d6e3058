"""Projects acting as domains (Keystone's `is_domain`): in Keystone every domain is also a
project at the root, so `/projects` creates, lists, shows, updates and deletes domains when asked
for one. Here a domain stays a `Domain` aggregate; these helpers give it its project shape and
send project requests that name a domain to the domain commands."""

from __future__ import annotations

from typing import Any

from api.bodies.identity import V3
from api.deps import CloudServices
from domain.errors import InvalidInput
from domain.identity.domain import Domain
from projections.identity_domain_queries import DomainGroupViews
from projections.store import Row


def domain_project_body(row: Row, base: str) -> dict[str, Any]:
    """A domain as Keystone shows its project: no domain and no parent of its own."""
    return {**(row.get("extra") or {}),
            "id": row["id"], "name": row["name"], "domain_id": None,
            "description": row.get("description") or "", "enabled": bool(row["enabled"]),
            "is_domain": True, "parent_id": None, "tags": list(row.get("tags") or []),
            "options": {}, "links": {"self": f"{base}{V3}/projects/{row['id']}"}}


def domain_acting_as_project(cloud: CloudServices, project_id: str) -> Row | None:
    """The domain `project_id` names, when it names one rather than a project."""
    return DomainGroupViews(cloud.store).domain(project_id)


def create_domain_project(cloud: CloudServices, ctx: Any, name: str, description: str,
                          enabled: bool, tags: list[str], extra: dict[str, Any],
                          domain_id: str | None, parent_id: str | None) -> Domain:
    if domain_id is not None or parent_id is not None:
        raise InvalidInput("A project acting as a domain is a root project: it takes neither "
                           "domain_id nor parent_id.")
    return cloud.domains.create_domain(ctx, name, description, enabled, tags, extra)


def domain_projects(cloud: CloudServices, name: str | None, domain_id: str | None,
                    enabled: bool | None, parent_id: str | None) -> list[Row]:
    """`GET /projects?is_domain=true`: the domains, filtered as projects are (a domain lies
    in no domain and under no parent, so those filters leave none)."""
    if domain_id is not None or parent_id is not None:
        return []
    return DomainGroupViews(cloud.store).domains(name, enabled)
