"""Keystone's OS-INHERIT: `/OS-INHERIT/{domains|projects}/{id}/{users|groups}/{id}/roles
[/{role_id}]/inherited_to_projects`, roles that hold on every project below the domain or
project (domain/identity/inheritance.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy

from api.auth import Caller
from api.bodies.identity import collection_links, role_body, self_url
from api.deps import Authorize, CloudDep, CloudServices
from api.responses.identity import RoleList
from api.routers.identity_roles import existing_role
from domain.errors import NotFound
from projections.identity import IdentityViews
from projections.identity_domain_queries import DomainGroupViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3/OS-INHERIT", tags=["identity: inherited roles"])

RULES = [
    policy.RuleDefault("identity:manage_inherited_grants", "rule:admin_api",
                       "Give, check, list and take roles inherited to the projects below a"
                       " domain or project"),
]

Granter = Annotated[Caller, Depends(Authorize("identity:manage_inherited_grants"))]
DOMAIN_USER = "/domains/{domain_id}/users/{user_id}/roles"
DOMAIN_GROUP = "/domains/{domain_id}/groups/{identity_group_id}/roles"
PROJECT_USER = "/projects/{project_id}/users/{user_id}/roles"
PROJECT_GROUP = "/projects/{project_id}/groups/{identity_group_id}/roles"
ONE = "/{role_id}/inherited_to_projects"
ALL = "/inherited_to_projects"


def inherited_roles(cloud: CloudServices, kind: str, target_id: str, actor: str,
                    actor_id: str) -> list[Row]:
    """The roles the user or group holds inherited below the domain or project; 404 when any
    of them does not exist."""
    grants = cloud.inherited_grants
    target = grants.target(kind, target_id)
    grants.holder(actor, actor_id)
    if actor == "user":
        return IdentityViews(cloud.store).roles_on(target, actor_id)
    return DomainGroupViews(cloud.store).group_roles(actor_id, target)


def granted(cloud: CloudServices, caller: Caller, kind: str, target_id: str, actor: str,
            actor_id: str, role_id: str) -> Response:
    cloud.inherited_grants.grant(caller.ctx, kind, target_id, actor, actor_id, role_id)
    return Response(status_code=204)


def checked(cloud: CloudServices, kind: str, target_id: str, actor: str, actor_id: str,
            role_id: str) -> Response:
    existing_role(cloud, role_id)
    if role_id not in {r["id"] for r in inherited_roles(cloud, kind, target_id, actor,
                                                        actor_id)}:
        raise NotFound(f"Could not find inherited role assignment of role {role_id} to"
                       f" {actor} {actor_id} on {kind} {target_id}.")
    return Response(status_code=204)


def listed(cloud: CloudServices, request: Request, kind: str, target_id: str, actor: str,
           actor_id: str) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = inherited_roles(cloud, kind, target_id, actor, actor_id)
    return {"roles": [role_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


def revoked(cloud: CloudServices, caller: Caller, kind: str, target_id: str, actor: str,
            actor_id: str, role_id: str) -> Response:
    cloud.inherited_grants.revoke(caller.ctx, kind, target_id, actor, actor_id, role_id)
    return Response(status_code=204)


# A grant is checked with HEAD, which is what Tempest and the clients call (Keystone also
# answers GET there; not served here).
# Inherited from a domain --------------------------------------------------------------------
@router.put(DOMAIN_USER + ONE, status_code=204)
def grant_domain_user(domain_id: str, user_id: str, role_id: str, cloud: CloudDep,
                      caller: Granter) -> Response:
    return granted(cloud, caller, "domain", domain_id, "user", user_id, role_id)


@router.head(DOMAIN_USER + ONE, status_code=204)
def check_domain_user(domain_id: str, user_id: str, role_id: str, cloud: CloudDep,
                      caller: Granter) -> Response:
    return checked(cloud, "domain", domain_id, "user", user_id, role_id)


@router.get(DOMAIN_USER + ALL, response_model=RoleList)
def list_domain_user(domain_id: str, user_id: str, request: Request, cloud: CloudDep,
                     caller: Granter) -> dict[str, Any]:
    return listed(cloud, request, "domain", domain_id, "user", user_id)


@router.delete(DOMAIN_USER + ONE, status_code=204)
def revoke_domain_user(domain_id: str, user_id: str, role_id: str, cloud: CloudDep,
                       caller: Granter) -> Response:
    return revoked(cloud, caller, "domain", domain_id, "user", user_id, role_id)


@router.put(DOMAIN_GROUP + ONE, status_code=204)
def grant_domain_group(domain_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                       caller: Granter) -> Response:
    return granted(cloud, caller, "domain", domain_id, "group", identity_group_id, role_id)


@router.head(DOMAIN_GROUP + ONE, status_code=204)
def check_domain_group(domain_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                       caller: Granter) -> Response:
    return checked(cloud, "domain", domain_id, "group", identity_group_id, role_id)


@router.get(DOMAIN_GROUP + ALL, response_model=RoleList)
def list_domain_group(domain_id: str, identity_group_id: str, request: Request,
                      cloud: CloudDep, caller: Granter) -> dict[str, Any]:
    return listed(cloud, request, "domain", domain_id, "group", identity_group_id)


@router.delete(DOMAIN_GROUP + ONE, status_code=204)
def revoke_domain_group(domain_id: str, identity_group_id: str, role_id: str,
                        cloud: CloudDep, caller: Granter) -> Response:
    return revoked(cloud, caller, "domain", domain_id, "group", identity_group_id, role_id)


# Inherited from a project (to its subtree) -------------------------------------------------
@router.put(PROJECT_USER + ONE, status_code=204)
def grant_project_user(project_id: str, user_id: str, role_id: str, cloud: CloudDep,
                       caller: Granter) -> Response:
    return granted(cloud, caller, "project", project_id, "user", user_id, role_id)


@router.head(PROJECT_USER + ONE, status_code=204)
def check_project_user(project_id: str, user_id: str, role_id: str, cloud: CloudDep,
                       caller: Granter) -> Response:
    return checked(cloud, "project", project_id, "user", user_id, role_id)


@router.delete(PROJECT_USER + ONE, status_code=204)
def revoke_project_user(project_id: str, user_id: str, role_id: str, cloud: CloudDep,
                        caller: Granter) -> Response:
    return revoked(cloud, caller, "project", project_id, "user", user_id, role_id)


@router.put(PROJECT_GROUP + ONE, status_code=204)
def grant_project_group(project_id: str, identity_group_id: str, role_id: str,
                        cloud: CloudDep, caller: Granter) -> Response:
    return granted(cloud, caller, "project", project_id, "group", identity_group_id, role_id)


@router.head(PROJECT_GROUP + ONE, status_code=204)
def check_project_group(project_id: str, identity_group_id: str, role_id: str,
                        cloud: CloudDep, caller: Granter) -> Response:
    return checked(cloud, "project", project_id, "group", identity_group_id, role_id)


@router.delete(PROJECT_GROUP + ONE, status_code=204)
def revoke_project_group(project_id: str, identity_group_id: str, role_id: str,
                         cloud: CloudDep, caller: Granter) -> Response:
    return revoked(cloud, caller, "project", project_id, "group", identity_group_id, role_id)
