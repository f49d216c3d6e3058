"""Keystone v3 roles, implied roles, project role grants and `/role_assignments` (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.auth import Caller
from api.bodies.identity import (
    IdString,
    KeystoneObject,
    KeystoneUpdate,
    Options,
    assignment_body,
    collection_links,
    key_only,
    role_body,
    role_row,
    self_url,
)
from api.deps import Authorize, CloudDep, CloudServices
from api.identity_inherited_assignments import (
    effective_inherited,
    inherited_bodies,
    without_inherited,
)
from api.responses.identity import RoleList, RoleShow
from api.validation import Description, Name
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.identity.role import BUILTIN_IDS
from projections.identity import IdentityViews, with_implied
from projections.identity_domain_queries import DomainGroupViews
from projections.identity_inherited import InheritedViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: roles"])

RULES = [
    policy.RuleDefault("identity:list_roles", "rule:admin_api"),
    policy.RuleDefault("identity:get_role", "rule:admin_api"),
    policy.RuleDefault("identity:create_role", "rule:admin_api"),
    policy.RuleDefault("identity:delete_role", "rule:admin_api"),
    policy.RuleDefault("identity:update_role", "rule:admin_api"),
    policy.RuleDefault("identity:create_grant", "rule:admin_api",
                       "Give a user a role on a project"),
    policy.RuleDefault("identity:check_grant", "rule:admin_api"),
    policy.RuleDefault("identity:list_grants", "rule:admin_api"),
    policy.RuleDefault("identity:revoke_grant", "rule:admin_api"),
    policy.RuleDefault("identity:list_role_assignments", "rule:admin_api"),
]


class RoleCreate(KeystoneObject):
    name: Name
    description: Description | None = None
    domain_id: IdString | None = None  # a domain-specific role (never in a token)
    options: Options = {}


class RoleCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: RoleCreate


class RoleUpdate(KeystoneUpdate):
    nullable = frozenset({"description", "domain_id", "id"})
    name: Name | None = None
    description: Description | None = None
    options: Options | None = None
    domain_id: IdString | None = None
    id: str | None = None


class RoleUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: RoleUpdate


Lister = Annotated[Caller, Depends(Authorize("identity:list_roles"))]
Reader = Annotated[Caller, Depends(Authorize("identity:get_role"))]
Creator = Annotated[Caller, Depends(Authorize("identity:create_role"))]
Deleter = Annotated[Caller, Depends(Authorize("identity:delete_role"))]
Updater = Annotated[Caller, Depends(Authorize("identity:update_role"))]
Granter = Annotated[Caller, Depends(Authorize("identity:create_grant"))]
Checker = Annotated[Caller, Depends(Authorize("identity:check_grant"))]
GrantLister = Annotated[Caller, Depends(Authorize("identity:list_grants"))]
Revoker = Annotated[Caller, Depends(Authorize("identity:revoke_grant"))]
AssignmentLister = Annotated[Caller, Depends(Authorize("identity:list_role_assignments"))]


def existing_role(cloud: CloudServices, role_id: str) -> Row:
    row = IdentityViews(cloud.store).role(role_id)
    if row is None:
        raise NotFound(f"Could not find role: {role_id}.")
    return row


@router.get("/roles", response_model=RoleList)
def list_roles(request: Request, cloud: CloudDep, caller: Lister, name: str | None = None,
               domain_id: str | None = None) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = IdentityViews(cloud.store).roles(name, domain_id)
    return {"roles": [role_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


@router.post("/roles", status_code=201, response_model=RoleShow)
def create_role(body: RoleCreateRequest, cloud: CloudDep, caller: Creator) -> dict[str, Any]:
    r = body.role
    role = cloud.identity.create_role(caller.ctx, r.name, r.description, r.extras(), r.domain_id)
    return {"role": role_body(role_row(role), cloud.settings.public_url)}


@router.get("/roles/{role_id}", response_model=RoleShow)
def show_role(role_id: str, cloud: CloudDep, caller: Reader) -> dict[str, Any]:
    return {"role": role_body(existing_role(cloud, role_id), cloud.settings.public_url)}


@router.patch("/roles/{role_id}", response_model=RoleShow)
def update_role(role_id: str, body: RoleUpdateRequest, cloud: CloudDep,
                caller: Updater) -> dict[str, Any]:
    r, current = body.role, existing_role(cloud, role_id)
    if r.id is not None and r.id != role_id:
        raise InvalidInput("Cannot change the id of a role.")
    if "domain_id" in r.model_fields_set and r.domain_id != current.get("domain_id"):
        raise InvalidInput("Update of `domain_id` is not allowed.")
    changes = r.given("name")
    if "description" in r.model_fields_set:
        changes["description"] = r.description
    if r.extras():
        changes["extra"] = r.extras()
    role = cloud.identity.update_role(caller.ctx, role_id, changes)
    return {"role": role_body(role_row(role), cloud.settings.public_url)}


@router.delete("/roles/{role_id}", status_code=204)
def delete_role(role_id: str, cloud: CloudDep, caller: Deleter) -> Response:
    role = existing_role(cloud, role_id)
    if role_id in BUILTIN_IDS.values():
        raise Forbidden(f"The built-in role {role['name']} cannot be deleted.")
    holders = IdentityViews(cloud.store).holders_of(role_id)
    cloud.identity.delete_role(caller.ctx, role_id, holders)
    return Response(status_code=204)


# Grants: /projects/{project_id}/users/{user_id}/roles[/{role_id}] ------------------------------
GRANTS = "/projects/{project_id}/users/{user_id}/roles"


def granted_roles(cloud: CloudServices, project_id: str, user_id: str) -> list[Row]:
    """The roles the user holds on the project; 404 if either does not exist."""
    views = IdentityViews(cloud.store)
    if views.project(project_id) is None:
        raise NotFound(f"Could not find project: {project_id}.")
    if views.user(user_id) is None:
        raise NotFound(f"Could not find user: {user_id}.")
    return views.roles_on(project_id, user_id)


@router.put(GRANTS + "/{role_id}", status_code=204)
def grant(project_id: str, user_id: str, role_id: str, cloud: CloudDep,
          caller: Granter) -> Response:
    cloud.identity.grant(caller.ctx, project_id, user_id, role_id)
    return Response(status_code=204)


@router.head(GRANTS + "/{role_id}", status_code=204)
def check_grant(project_id: str, user_id: str, role_id: str, cloud: CloudDep,
                caller: Checker) -> Response:
    existing_role(cloud, role_id)
    if role_id not in {r["id"] for r in granted_roles(cloud, project_id, user_id)}:
        raise NotFound(f"Could not find role assignment of role {role_id} to user {user_id}"
                       f" on project {project_id}.")
    return Response(status_code=204)


@router.get(GRANTS, response_model=RoleList)
def list_grants(project_id: str, user_id: str, request: Request, cloud: CloudDep,
                caller: GrantLister) -> dict[str, Any]:
    base = cloud.settings.public_url
    return {"roles": [role_body(r, base) for r in granted_roles(cloud, project_id, user_id)],
            "links": collection_links(self_url(request, base))}


@router.delete(GRANTS + "/{role_id}", status_code=204)
def revoke(project_id: str, user_id: str, role_id: str, cloud: CloudDep,
           caller: Revoker) -> Response:
    cloud.identity.revoke(caller.ctx, project_id, user_id, role_id)
    return Response(status_code=204)


# /role_assignments ------------------------------------------------------------------------------


def check_assignment_filters(params: dict[str, str], effective: bool) -> None:
    """Keystone's 400s for filter combinations that cannot mean anything."""
    pairs = (("scope.domain.id", "scope.project.id"), ("scope.system", "scope.domain.id"),
             ("scope.system", "scope.project.id"), ("user.id", "group.id"))
    for first, second in pairs:
        if params.get(first) and params.get(second):
            raise InvalidInput(f"Specify {first} or {second}, not both.")
    if effective and params.get("group.id"):
        raise InvalidInput("Combining effective and group filter will always result in an empty"
                           " list.")


def through_groups(cloud: CloudServices, user_id: str | None, target: str | None) -> list[Row]:
    """`?effective`: each group's roles as assignments of its members (Keystone links the
    membership), with the roles they imply."""
    groups, users, rows = DomainGroupViews(cloud.store), IdentityViews(cloud.store), []
    direct, index = users.inferences(), users.role_index()
    grants = without_inherited(groups.group_assignments(None, target))
    if target is None or not target.startswith(("system", "domain:")):
        grants += InheritedViews(cloud.store).effective_of_groups(target)
    for grant in grants:
        for member in groups.member_ids(grant["group_id"]):
            user = users.user(member)
            if user is None or user_id not in (None, member):
                continue
            on = None if grant["target"] == "system" else grant["target"]
            row = {"user_id": member, "user_name": user["name"], "project_id": on,
                   "role_id": grant["role_id"], "role_name": grant["role_name"],
                   "membership": grant["group_id"]}
            rows += with_implied(row, direct, index)
    return rows


@router.get("/role_assignments")
def list_role_assignments(
    request: Request, cloud: CloudDep, caller: AssignmentLister,
    user_id: Annotated[str | None, Query(alias="user.id")] = None,
    project_id: Annotated[str | None, Query(alias="scope.project.id")] = None,
    role_id: Annotated[str | None, Query(alias="role.id")] = None,
    system: Annotated[str | None, Query(alias="scope.system")] = None,
    effective: str | None = None, include_names: str | None = None,
) -> dict[str, Any]:
    params, base = dict(request.query_params), cloud.settings.public_url
    check_assignment_filters(params, key_only(effective))
    views = IdentityViews(cloud.store)
    domain_id, group_id = params.get("scope.domain.id"), params.get("group.id")
    rows: list[Row] = []
    if not group_id and not system and not domain_id:
        rows += views.assignments(user_id, project_id, key_only(effective))
    if not group_id and not project_id and not domain_id:
        rows += views.system_assignments(user_id, key_only(effective))
    if not group_id and not project_id and not system:
        rows += views.domain_assignments(user_id, domain_id)
    target = ("system" if system else f"domain:{domain_id}" if domain_id else project_id)
    if not user_id and not key_only(effective):
        rows += DomainGroupViews(cloud.store).group_assignments(group_id, target)
    if key_only(effective):
        rows += through_groups(cloud, user_id, target)
        if not group_id and not system and not domain_id:
            rows += effective_inherited(cloud.store, user_id, project_id, views.inferences(),
                                        views.role_index())
        # Domain-specific roles are never effective (they are not in tokens).
        index = views.role_index()
        rows = [r for r in rows if index.get(r["role_id"], {}).get("domain_id") is None]
    # Keystone filters by role after expanding implied roles, so `effective` can add matches.
    rows = [r for r in without_inherited(rows) if role_id is None or r["role_id"] == role_id]
    bodies = [assignment_body(r, base, key_only(include_names)) for r in rows]
    if not key_only(effective):
        bodies += [b for b in inherited_bodies(cloud.store, base, params, key_only(include_names))
                   if role_id is None or b["role"]["id"] == role_id]
    return {"role_assignments": bodies, "links": collection_links(self_url(request, base))}
