"""Keystone v3 system role assignments: `/system/users/{user_id}/roles[/{role_id}]`.

A role on the system scope lets a user ask for a system-scoped token (`scope: {"system":
{"all": true}}`), the persona Keystone's secure-RBAC defaults give cloud-wide administration.
"""

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
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: system roles"])

RULES = [
    policy.RuleDefault("identity:create_system_grant_for_user", "rule:admin_api",
                       "Give a user a role on the system"),
    policy.RuleDefault("identity:check_system_grant_for_user", "rule:admin_api"),
    policy.RuleDefault("identity:list_system_grants_for_user", "rule:admin_api"),
    policy.RuleDefault("identity:revoke_system_grant_for_user", "rule:admin_api"),
]

Granter = Annotated[Caller, Depends(Authorize("identity:create_system_grant_for_user"))]
Checker = Annotated[Caller, Depends(Authorize("identity:check_system_grant_for_user"))]
Lister = Annotated[Caller, Depends(Authorize("identity:list_system_grants_for_user"))]
Revoker = Annotated[Caller, Depends(Authorize("identity:revoke_system_grant_for_user"))]

GRANTS = "/system/users/{user_id}/roles"


def system_roles(cloud: CloudServices, user_id: str) -> list[Row]:
    views = IdentityViews(cloud.store)
    if views.user(user_id) is None:
        raise NotFound(f"Could not find user: {user_id}.")
    return views.system_roles(user_id)


@router.put(GRANTS + "/{role_id}", status_code=204)
def grant(user_id: str, role_id: str, cloud: CloudDep, caller: Granter) -> Response:
    cloud.identity.grant_system(caller.ctx, user_id, role_id)
    return Response(status_code=204)


@router.head(GRANTS + "/{role_id}", status_code=204)
@router.get(GRANTS + "/{role_id}", status_code=204)
def check_grant(user_id: str, role_id: str, cloud: CloudDep, caller: Checker) -> Response:
    existing_role(cloud, role_id)
    if role_id not in {r["id"] for r in system_roles(cloud, user_id)}:
        raise NotFound(f"Could not find role assignment of role {role_id} to user {user_id}"
                       " on the system.")
    return Response(status_code=204)


@router.get(GRANTS, response_model=RoleList)
def list_grants(user_id: str, request: Request, cloud: CloudDep, caller: Lister) -> dict[str, Any]:
    base = cloud.settings.public_url
    return {"roles": [role_body(r, base) for r in system_roles(cloud, user_id)],
            "links": collection_links(self_url(request, base))}


@router.delete(GRANTS + "/{role_id}", status_code=204)
def revoke(user_id: str, role_id: str, cloud: CloudDep, caller: Revoker) -> Response:
    cloud.identity.revoke_system(caller.ctx, user_id, role_id)
    return Response(status_code=204)
