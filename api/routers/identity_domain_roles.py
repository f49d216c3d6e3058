"""Keystone v3 roles on domains: `/domains/{domain_id}/users/{user_id}/roles[/{role_id}]`, the
same for groups, and `/auth/domains` (the domains a token's user holds a role on)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy

from api.auth import Caller
from api.bodies.identity import collection_links, domain_body, role_body, self_url
from api.deps import Authorize, CloudDep, CloudServices
from api.responses.identity import DomainList, RoleList
from api.routers.identity_domains import existing_domain
from api.routers.identity_groups import existing_group
from api.routers.identity_roles import existing_role
from domain.errors import NotFound
from domain.identity.group import domain_target
from projections.identity import IdentityViews
from projections.identity_domain_queries import DomainGroupViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: domain roles"])

RULES = [
    policy.RuleDefault("identity:manage_domain_grants", "rule:admin_api",
                       "Give, check, list and take roles of users and groups on a domain"),
    policy.RuleDefault("identity:get_auth_domains", "@",
                       "The domains the token's own user holds a role on"),
]

Granter = Annotated[Caller, Depends(Authorize("identity:manage_domain_grants"))]
AuthDomains = Annotated[Caller, Depends(Authorize("identity:get_auth_domains"))]
USERS = "/domains/{domain_id}/users/{user_id}/roles"
GROUPS = "/domains/{domain_id}/groups/{identity_group_id}/roles"


def user_roles(cloud: CloudServices, domain_id: str, user_id: str) -> list[Row]:
    existing_domain(cloud, domain_id)
    views = IdentityViews(cloud.store)
    if views.user(user_id) is None:
        raise NotFound(f"Could not find user: {user_id}.")
    return views.domain_roles(domain_id, user_id)


def group_roles(cloud: CloudServices, domain_id: str, identity_group_id: str) -> list[Row]:
    existing_domain(cloud, domain_id)
    existing_group(cloud, identity_group_id)
    return DomainGroupViews(cloud.store).group_roles(identity_group_id, domain_target(domain_id))


def roles_body(cloud: CloudServices, request: Request, rows: list[Row]) -> dict[str, Any]:
    base = cloud.settings.public_url
    return {"roles": [role_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


def check(cloud: CloudServices, rows: list[Row], role_id: str, who: str) -> Response:
    existing_role(cloud, role_id)
    if role_id not in {r["id"] for r in rows}:
        raise NotFound(f"Could not find role assignment of role {role_id} to {who}.")
    return Response(status_code=204)


@router.put(USERS + "/{role_id}", status_code=204)
def grant_user(domain_id: str, user_id: str, role_id: str, cloud: CloudDep,
               caller: Granter) -> Response:
    cloud.identity.grant_on_domain(caller.ctx, domain_id, user_id, role_id)
    return Response(status_code=204)


@router.head(USERS + "/{role_id}", status_code=204)
@router.get(USERS + "/{role_id}", status_code=204)
def check_user(domain_id: str, user_id: str, role_id: str, cloud: CloudDep,
               caller: Granter) -> Response:
    return check(cloud, user_roles(cloud, domain_id, user_id), role_id, f"user {user_id}")


@router.get(USERS, response_model=RoleList)
def list_user(domain_id: str, user_id: str, request: Request, cloud: CloudDep,
              caller: Granter) -> dict[str, Any]:
    return roles_body(cloud, request, user_roles(cloud, domain_id, user_id))


@router.delete(USERS + "/{role_id}", status_code=204)
def revoke_user(domain_id: str, user_id: str, role_id: str, cloud: CloudDep,
                caller: Granter) -> Response:
    cloud.identity.revoke_on_domain(caller.ctx, domain_id, user_id, role_id)
    return Response(status_code=204)


@router.put(GROUPS + "/{role_id}", status_code=204)
def grant_group(domain_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                caller: Granter) -> Response:
    cloud.groups.grant(caller.ctx, identity_group_id, domain_target(domain_id), role_id)
    return Response(status_code=204)


@router.head(GROUPS + "/{role_id}", status_code=204)
@router.get(GROUPS + "/{role_id}", status_code=204)
def check_group(domain_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                caller: Granter) -> Response:
    rows = group_roles(cloud, domain_id, identity_group_id)
    return check(cloud, rows, role_id, f"group {identity_group_id}")


@router.get(GROUPS, response_model=RoleList)
def list_group(domain_id: str, identity_group_id: str, request: Request, cloud: CloudDep,
               caller: Granter) -> dict[str, Any]:
    return roles_body(cloud, request, group_roles(cloud, domain_id, identity_group_id))


@router.delete(GROUPS + "/{role_id}", status_code=204)
def revoke_group(domain_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                 caller: Granter) -> Response:
    cloud.groups.revoke(caller.ctx, identity_group_id, domain_target(domain_id), role_id)
    return Response(status_code=204)


@router.get("/auth/domains", response_model=DomainList)
def auth_domains(request: Request, cloud: CloudDep, caller: AuthDomains) -> dict[str, Any]:
    """Domains on which the user, or a group of theirs, holds a role (enabled ones only)."""
    views, groups = IdentityViews(cloud.store), DomainGroupViews(cloud.store)
    targets = {a["project_id"] for a in views.domain_assignments(caller.user_id, None)}
    for group in groups.groups_of_user(caller.user_id):
        targets |= {a["target"] for a in groups.group_assignments(group["id"], None)}
    rows = [groups.domain(t.removeprefix(domain_target(""))) for t in sorted(targets)
            if t.startswith(domain_target(""))]
    base = cloud.settings.public_url
    return {"domains": [domain_body(r, base) for r in rows if r is not None and r["enabled"]],
            "links": collection_links(self_url(request, base))}
