"""Keystone's OS-INHERIT: `/OS-INHERIT/{domains|projects}/{id}/{users|groups}/{id}/roles
[/{role_id}]/inherited_to_projects`, roles that hold on every project below the domain or
project (domain/identity/inheritance.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy

from api.auth import Caller
from api.deps import Authorize, CloudDep, CloudServices
from api.identity_views import collection_links, role_body, self_url
from api.responses.identity import RoleList
from api.routers.identity_roles import existing_role
from domain.errors import NotFound
from projections.identity import IdentityViews
from projections.identity_domain_views import DomainGroupViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3/OS-INHERIT", tags=["identity: inherited roles"])

RULES = [
    policy.RuleDefault("identity:manage_inherited_grants", "rule:admin_api",
                       "Give, check, list and take roles inherited to the projects below a"
                       " domain or project"),
]

Granter = Annotated[Caller, Depends(Authorize("identity:manage_inherited_grants"))]
Kind = Literal["domains", "projects"]
Actor = Literal["users", "groups"]
ROLES = "/{kind}/{target_id}/{actor}/{actor_id}/roles"
ONE = ROLES + "/{role_id}/inherited_to_projects"


def inherited_roles(cloud: CloudServices, kind: Kind, target_id: str, actor: Actor,
                    actor_id: str) -> list[Row]:
    """The roles the user or group holds inherited below the domain or project; 404 when any
    of them does not exist."""
    grants = cloud.inherited_grants
    target = grants.target(kind.removesuffix("s"), target_id)
    grants.holder(actor.removesuffix("s"), actor_id)
    if actor == "users":
        return IdentityViews(cloud.store).roles_on(target, actor_id)
    return DomainGroupViews(cloud.store).group_roles(actor_id, target)


@router.put(ONE, status_code=204)
def grant(kind: Kind, target_id: str, actor: Actor, actor_id: str, role_id: str,
          cloud: CloudDep, caller: Granter) -> Response:
    cloud.inherited_grants.grant(caller.ctx, kind.removesuffix("s"), target_id,
                                 actor.removesuffix("s"), actor_id, role_id)
    return Response(status_code=204)


@router.head(ONE, status_code=204)
@router.get(ONE, status_code=204)
def check(kind: Kind, target_id: str, actor: Actor, actor_id: str, role_id: str,
          cloud: CloudDep, caller: Granter) -> Response:
    existing_role(cloud, role_id)
    if role_id not in {r["id"] for r in inherited_roles(cloud, kind, target_id, actor,
                                                        actor_id)}:
        raise NotFound(f"Could not find inherited role assignment of role {role_id} to"
                       f" {actor.removesuffix('s')} {actor_id}.")
    return Response(status_code=204)


@router.get(ROLES + "/inherited_to_projects", response_model=RoleList)
def list_roles(kind: Kind, target_id: str, actor: Actor, actor_id: str, request: Request,
               cloud: CloudDep, caller: Granter) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = inherited_roles(cloud, kind, target_id, actor, actor_id)
    return {"roles": [role_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


@router.delete(ONE, status_code=204)
def revoke(kind: Kind, target_id: str, actor: Actor, actor_id: str, role_id: str,
           cloud: CloudDep, caller: Granter) -> Response:
    cloud.inherited_grants.revoke(caller.ctx, kind.removesuffix("s"), target_id,
                                  actor.removesuffix("s"), actor_id, role_id)
    return Response(status_code=204)
