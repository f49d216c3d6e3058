"""Networking `/network/v2.0/security-groups`: a project's security groups.

Each project has a `default` group (egress open, ingress from its own members), made the first
time the project lists groups or rules or gets a port; it cannot be renamed nor deleted, and no
other group may be called `default` (409, as in Neutron). A new group comes with Neutron's two
egress rules. Groups and their rules count on the project's `security_group` and
`security_group_rule` quotas; a group that ports use cannot be deleted (409).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import PREFIX, neutron_quota, owned_by, project_filter, target
from api.bodies.security_groups import (
    ensure_default,
    group_bodies,
    sg_views,
    shown_group,
    visible_group,
)
from api.deps import CallerDep, CloudDep, PolicyDep
from api.responses.security_groups import (
    SecurityGroupFieldsShow,
    SecurityGroupList,
    SecurityGroupShow,
)
from api.routers.network_networks import matches, selected
from domain.errors import InvalidInput

router = APIRouter(prefix=PREFIX, tags=["network: security groups"])

RULES = [
    policy.RuleDefault("get_security_group", "rule:admin_or_reader"),
    policy.RuleDefault("create_security_group", "rule:admin_or_member"),
    policy.RuleDefault("update_security_group", "rule:admin_or_member"),
    policy.RuleDefault("delete_security_group", "rule:admin_or_member"),
]

FILTERS = ("id", "name", "description", "stateful", "project_id", "tenant_id")
Label = Field(default="", max_length=255)


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Label
    description: str = Label
    stateful: bool = True
    project_id: str | None = Field(default=None, max_length=255)
    tenant_id: str | None = Field(default=None, max_length=255)


class GroupCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    security_group: GroupCreate


class GroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    stateful: bool | None = None


class GroupUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    security_group: GroupUpdate


def owner_of(caller: Caller, project_id: str | None, tenant_id: str | None) -> str:
    """The project a new resource is for: the caller's, or (admins) the one named."""
    named = {project_id, tenant_id} - {None}
    if len(named) > 1:
        raise InvalidInput("'project_id' and 'tenant_id' do not match.")
    owner = named.pop() if named else caller.project_id
    if not owner:
        raise InvalidInput("A security group needs a project: 'project_id' names it.")
    return owner


@router.get("/security-groups", response_model=SecurityGroupList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    params = request.query_params
    engine.enforce("get_security_group", owned_by(caller.project_id or ""), caller.creds)
    ensure_default(cloud, caller, caller.project_id)
    rows = sg_views(cloud).groups(project_filter(params, caller))
    bodies = group_bodies(cloud, rows)
    return {"security_groups": [selected(b, params) for b in bodies
                                if matches(b, params, FILTERS)]}


@router.post("/security-groups", status_code=201, response_model=SecurityGroupShow)
def create(body: GroupCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    req = body.security_group
    owner = owner_of(caller, req.project_id, req.tenant_id)
    engine.enforce("create_security_group", owned_by(owner), caller.creds)
    with neutron_quota():
        group = cloud.security_groups.create_group(caller.ctx, owner, req.name,
                                                   req.description, req.stateful)
    return {"security_group": shown_group(cloud, group.id.hex)}


@router.get("/security-groups/{security_group_id}", response_model=SecurityGroupFieldsShow)
def show(security_group_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_group(cloud, caller, security_group_id)
    engine.enforce("get_security_group", target(row), caller.creds)
    return {"security_group": selected(group_bodies(cloud, [row])[0], request.query_params)}


@router.put("/security-groups/{security_group_id}", response_model=SecurityGroupShow)
def update(security_group_id: str, body: GroupUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    row = visible_group(cloud, caller, security_group_id)
    engine.enforce("update_security_group", target(row), caller.creds)
    req = body.security_group
    group = cloud.security_groups.update_group(caller.ctx, row["id"], req.name,
                                               req.description, req.stateful)
    return {"security_group": shown_group(cloud, group.id.hex)}


@router.delete("/security-groups/{security_group_id}", status_code=204)
def delete(security_group_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    row = visible_group(cloud, caller, security_group_id)
    engine.enforce("delete_security_group", target(row), caller.creds)
    cloud.security_groups.delete_group(caller.ctx, row["id"])
    return Response(status_code=204)
