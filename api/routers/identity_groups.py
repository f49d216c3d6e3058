"""Keystone v3 groups: CRUD, membership (`/groups/{id}/users`, `/users/{id}/groups`) and the
roles given to a group on a project or on the system."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.auth import Caller
from api.bodies.identity import (
    IdString,
    KeystoneObject,
    KeystoneUpdate,
    collection_links,
    group_body,
    group_row,
    role_body,
    self_url,
    user_body,
)
from api.deps import Authorize, CallerDep, CloudDep, CloudServices, PolicyDep
from api.responses.identity import GroupList, GroupShow, RoleList, UserList
from api.routers.identity_roles import existing_role
from api.validation import Description, Name
from domain.errors import InvalidInput, NotFound
from domain.identity.changes import DEFAULT_DOMAIN_ID
from domain.identity.group import SYSTEM_SCOPE
from projections.identity import IdentityViews
from projections.identity_domain_queries import DomainGroupViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: groups"])

RULES = [
    policy.RuleDefault("identity:list_groups", "rule:admin_api"),
    policy.RuleDefault("identity:get_group", "rule:admin_api"),
    policy.RuleDefault("identity:create_group", "rule:admin_api"),
    policy.RuleDefault("identity:update_group", "rule:admin_api"),
    policy.RuleDefault("identity:delete_group", "rule:admin_api"),
    policy.RuleDefault("identity:list_users_in_group", "rule:admin_api"),
    policy.RuleDefault("identity:add_user_to_group", "rule:admin_api"),
    policy.RuleDefault("identity:check_user_in_group", "rule:admin_api"),
    policy.RuleDefault("identity:remove_user_from_group", "rule:admin_api"),
    policy.RuleDefault("identity:list_groups_for_user",
                       "rule:admin_api or user_id:%(target.user.id)s"),
    policy.RuleDefault("identity:manage_group_grants", "rule:admin_api",
                       "Give, check, list and take roles of a group on a project or the system"),
]


class GroupCreate(KeystoneObject):
    name: Name
    description: Description | None = None
    domain_id: IdString = DEFAULT_DOMAIN_ID


class GroupUpdate(KeystoneUpdate):
    nullable = frozenset({"description", "domain_id", "id"})
    name: Name | None = None
    description: Description | None = None
    domain_id: IdString | None = None
    id: str | None = None


class GroupCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: GroupCreate


class GroupUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: GroupUpdate


Lister = Annotated[Caller, Depends(Authorize("identity:list_groups"))]
Reader = Annotated[Caller, Depends(Authorize("identity:get_group"))]
Creator = Annotated[Caller, Depends(Authorize("identity:create_group"))]
Updater = Annotated[Caller, Depends(Authorize("identity:update_group"))]
Deleter = Annotated[Caller, Depends(Authorize("identity:delete_group"))]
MemberLister = Annotated[Caller, Depends(Authorize("identity:list_users_in_group"))]
Adder = Annotated[Caller, Depends(Authorize("identity:add_user_to_group"))]
Checker = Annotated[Caller, Depends(Authorize("identity:check_user_in_group"))]
Remover = Annotated[Caller, Depends(Authorize("identity:remove_user_from_group"))]
Granter = Annotated[Caller, Depends(Authorize("identity:manage_group_grants"))]


def existing_group(cloud: CloudServices, identity_group_id: str) -> Row:
    row = DomainGroupViews(cloud.store).group(identity_group_id)
    if row is None:
        raise NotFound(f"Could not find group: {identity_group_id}.")
    return row


def groups_body(cloud: CloudServices, request: Request, rows: list[Row]) -> dict[str, Any]:
    base = cloud.settings.public_url
    return {"groups": [group_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


@router.get("/groups", response_model=GroupList)
def list_groups(request: Request, cloud: CloudDep, caller: Lister, name: str | None = None,
                domain_id: str | None = None) -> dict[str, Any]:
    return groups_body(cloud, request, DomainGroupViews(cloud.store).groups(name, domain_id))


@router.post("/groups", status_code=201, response_model=GroupShow)
def create_group(body: GroupCreateRequest, cloud: CloudDep, caller: Creator) -> dict[str, Any]:
    g = body.group
    group = cloud.groups.create_group(caller.ctx, g.name, g.domain_id, g.description or "",
                                      g.extras())
    return {"group": group_body(group_row(group), cloud.settings.public_url)}


@router.get("/groups/{identity_group_id}", response_model=GroupShow)
def show_group(identity_group_id: str, cloud: CloudDep, caller: Reader) -> dict[str, Any]:
    row = existing_group(cloud, identity_group_id)
    return {"group": group_body(row, cloud.settings.public_url)}


@router.patch("/groups/{identity_group_id}", response_model=GroupShow)
def update_group(identity_group_id: str, body: GroupUpdateRequest, cloud: CloudDep,
                 caller: Updater) -> dict[str, Any]:
    g, current = body.group, existing_group(cloud, identity_group_id)
    if g.id is not None and g.id != identity_group_id:
        raise InvalidInput("Cannot change the id of a group.")
    if g.domain_id is not None and g.domain_id != current["domain_id"]:
        raise InvalidInput("Cannot change the domain_id of a group.")
    changes = g.given("name")
    if "description" in g.model_fields_set:
        changes["description"] = g.description or ""
    if g.extras():
        changes["extra"] = g.extras()
    group = cloud.groups.update_group(caller.ctx, identity_group_id, changes)
    return {"group": group_body(group_row(group), cloud.settings.public_url)}


@router.delete("/groups/{identity_group_id}", status_code=204)
def delete_group(identity_group_id: str, cloud: CloudDep, caller: Deleter) -> Response:
    cloud.groups.delete_group(caller.ctx, identity_group_id)
    return Response(status_code=204)


# Membership ------------------------------------------------------------------------------------
@router.get("/groups/{identity_group_id}/users", response_model=UserList)
def list_group_users(identity_group_id: str, request: Request, cloud: CloudDep,
                     caller: MemberLister) -> dict[str, Any]:
    existing_group(cloud, identity_group_id)
    base, views = cloud.settings.public_url, IdentityViews(cloud.store)
    rows = [views.user(u) for u in DomainGroupViews(cloud.store).member_ids(identity_group_id)]
    return {"users": [user_body(r, base) for r in rows if r is not None],
            "links": collection_links(self_url(request, base))}


@router.put("/groups/{identity_group_id}/users/{user_id}", status_code=204)
def add_group_user(identity_group_id: str, user_id: str, cloud: CloudDep,
                   caller: Adder) -> Response:
    cloud.groups.add_member(caller.ctx, identity_group_id, user_id)
    return Response(status_code=204)


@router.head("/groups/{identity_group_id}/users/{user_id}", status_code=204)
@router.get("/groups/{identity_group_id}/users/{user_id}", status_code=204)
def check_group_user(identity_group_id: str, user_id: str, cloud: CloudDep,
                     caller: Checker) -> Response:
    existing_group(cloud, identity_group_id)
    if user_id not in DomainGroupViews(cloud.store).member_ids(identity_group_id):
        raise NotFound(f"User {user_id} is not a member of group {identity_group_id}.")
    return Response(status_code=204)


@router.delete("/groups/{identity_group_id}/users/{user_id}", status_code=204)
def remove_group_user(identity_group_id: str, user_id: str, cloud: CloudDep,
                      caller: Remover) -> Response:
    cloud.groups.remove_member(caller.ctx, identity_group_id, user_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/groups", response_model=GroupList)
def list_user_groups(user_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                     policy: PolicyDep) -> dict[str, Any]:
    policy.enforce("identity:list_groups_for_user", {"target.user.id": user_id}, caller.creds)
    if IdentityViews(cloud.store).user(user_id) is None:
        raise NotFound(f"Could not find user: {user_id}.")
    return groups_body(cloud, request, DomainGroupViews(cloud.store).groups_of_user(user_id))


# Roles of groups: /projects/{p}/groups/{g}/roles and /system/groups/{g}/roles ------------------
def group_roles(cloud: CloudServices, identity_group_id: str, project_id: str | None) -> list[Row]:
    existing_group(cloud, identity_group_id)
    if project_id is not None and IdentityViews(cloud.store).project(project_id) is None:
        raise NotFound(f"Could not find project: {project_id}.")
    return DomainGroupViews(cloud.store).group_roles(identity_group_id, project_id or SYSTEM_SCOPE)


def roles_body(cloud: CloudServices, request: Request, rows: list[Row]) -> dict[str, Any]:
    base = cloud.settings.public_url
    return {"roles": [role_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


def check_role(cloud: CloudServices, identity_group_id: str, project_id: str | None,
               role_id: str) -> None:
    existing_role(cloud, role_id)
    if role_id not in {r["id"] for r in group_roles(cloud, identity_group_id, project_id)}:
        raise NotFound(f"Could not find role assignment of role {role_id} to group "
                       f"{identity_group_id}.")


PROJECT_GRANTS = "/projects/{project_id}/groups/{identity_group_id}/roles"
SYSTEM_GRANTS = "/system/groups/{identity_group_id}/roles"


@router.put(PROJECT_GRANTS + "/{role_id}", status_code=204)
def grant_on_project(project_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                     caller: Granter) -> Response:
    cloud.groups.grant(caller.ctx, identity_group_id, project_id, role_id)
    return Response(status_code=204)


@router.head(PROJECT_GRANTS + "/{role_id}", status_code=204)
@router.get(PROJECT_GRANTS + "/{role_id}", status_code=204)
def check_on_project(project_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                     caller: Granter) -> Response:
    check_role(cloud, identity_group_id, project_id, role_id)
    return Response(status_code=204)


@router.get(PROJECT_GRANTS, response_model=RoleList)
def list_on_project(project_id: str, identity_group_id: str, request: Request, cloud: CloudDep,
                    caller: Granter) -> dict[str, Any]:
    return roles_body(cloud, request, group_roles(cloud, identity_group_id, project_id))


@router.delete(PROJECT_GRANTS + "/{role_id}", status_code=204)
def revoke_on_project(project_id: str, identity_group_id: str, role_id: str, cloud: CloudDep,
                      caller: Granter) -> Response:
    cloud.groups.revoke(caller.ctx, identity_group_id, project_id, role_id)
    return Response(status_code=204)


@router.put(SYSTEM_GRANTS + "/{role_id}", status_code=204)
def grant_on_system(identity_group_id: str, role_id: str, cloud: CloudDep,
                    caller: Granter) -> Response:
    cloud.groups.grant(caller.ctx, identity_group_id, None, role_id)
    return Response(status_code=204)


@router.head(SYSTEM_GRANTS + "/{role_id}", status_code=204)
@router.get(SYSTEM_GRANTS + "/{role_id}", status_code=204)
def check_on_system(identity_group_id: str, role_id: str, cloud: CloudDep,
                    caller: Granter) -> Response:
    check_role(cloud, identity_group_id, None, role_id)
    return Response(status_code=204)


@router.get(SYSTEM_GRANTS, response_model=RoleList)
def list_on_system(identity_group_id: str, request: Request, cloud: CloudDep,
                   caller: Granter) -> dict[str, Any]:
    return roles_body(cloud, request, group_roles(cloud, identity_group_id, None))


@router.delete(SYSTEM_GRANTS + "/{role_id}", status_code=204)
def revoke_on_system(identity_group_id: str, role_id: str, cloud: CloudDep,
                     caller: Granter) -> Response:
    cloud.groups.revoke(caller.ctx, identity_group_id, None, role_id)
    return Response(status_code=204)
