"""Compute `/os-security-groups`, `/os-security-group-rules` (Nova's proxies of Neutron's security
groups, removed at microversion 2.36: 404 from there on) and `/servers/{id}/os-security-groups`.

They act on the same groups as `/network/v2.0/security-groups`, through the same commands, with
Nova's bodies (api/nova_security_groups.py) and Nova's errors: a group in use, the default group
or a duplicate rule is a 400 here where Neutron says 409, and quota is Nova's 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import views
from api.bodies.security_groups import ensure_default, sg_views
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.errors import ApiError
from api.microversions import ComputeVersion, Version
from api.nova_security_groups import nova_groups, nova_rule_request
from api.responses.security_groups import (
    NovaSecurityGroupList,
    NovaSecurityGroupRuleShow,
    NovaSecurityGroupShow,
)
from api.routers.compute_servers import find_server
from domain.errors import InvalidInput, InvalidState, NotFound
from projections.store import Row

router = APIRouter(prefix="/compute/v2.1", tags=["compute: security groups"])

_RULE = "os_compute_api:os-security-groups:{}"
RULES = [policy.RuleDefault(_RULE.format(name), check) for name, check in (
    ("get", "rule:admin_or_reader"), ("show", "rule:admin_or_reader"),
    ("create", "rule:admin_or_member"), ("update", "rule:admin_or_member"),
    ("delete", "rule:admin_or_member"), ("rule:create", "rule:admin_or_member"),
    ("rule:delete", "rule:admin_or_member"), ("list", "rule:admin_or_reader"),
    ("add", "rule:admin_or_member"), ("remove", "rule:admin_or_member"))]

REMOVED_AT = "2.36"
Text = Field(max_length=255)


class GroupBody(BaseModel):
    model_config = ConfigDict(extra="allow")  # Nova's schema lets other keys through
    name: str = Text
    description: str = Text


class GroupRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    security_group: GroupBody


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    parent_group_id: str = Field(max_length=64)
    group_id: str | None = Field(default=None, max_length=64)
    ip_protocol: Any = None
    from_port: Any = None
    to_port: Any = None
    cidr: Any = None


class RuleRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    security_group_rule: RuleBody


def check_version(version: Version) -> None:
    if version >= REMOVED_AT:
        raise ApiError(404, "The resource could not be found.")


def allow(engine: Any, caller: Caller, name: str, project_id: str | None = None) -> None:
    target = {"project_id": project_id or caller.project_id, "user_id": caller.user_id}
    engine.enforce(_RULE.format(name), target, caller.creds)


def uuid_of(ref: str, what: str = "Security group id") -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        raise InvalidInput(f"{what} should be uuid") from None


def group_row(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    row = sg_views(cloud).group(uuid_of(ref))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Security group {ref} not found.")
    return row


@contextmanager
def nova_errors() -> Iterator[None]:
    """Nova turns Neutron's 409s (in use, default group, duplicate rule) into 400s."""
    try:
        yield
    except InvalidState as refused:
        raise InvalidInput(str(refused)) from None


def shown_group(cloud: CloudServices, group_id: str) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = sg_views(cloud).group(group_id)
    if row is None:
        raise NotFound(f"Security group {group_id} not found.")
    return {"security_group": nova_groups(cloud, [row])[0]}


@router.get("/os-security-groups", response_model=NovaSecurityGroupList)
def index(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    check_version(version)
    allow(engine, caller, "get")
    ensure_default(cloud, caller, caller.project_id)
    params = request.query_params
    everyone = caller.is_admin and "all_tenants" in params
    rows = sg_views(cloud).groups(None if everyone else caller.project_id)
    offset, limit = int(params.get("offset") or 0), params.get("limit")
    rows = rows[offset:offset + int(limit)] if limit else rows[offset:]
    return {"security_groups": nova_groups(cloud, rows)}


@router.post("/os-security-groups", response_model=NovaSecurityGroupShow)
def create(body: GroupRequest, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> dict[str, Any]:
    check_version(version)
    allow(engine, caller, "create")
    req = body.security_group
    with nova_errors():
        group = cloud.security_groups.create_group(caller.ctx, str(caller.project_id),
                                                   req.name, req.description)
    return shown_group(cloud, group.id.hex)


@router.delete("/os-security-groups/", status_code=202, include_in_schema=False)
def delete_nothing(caller: CallerDep) -> Response:
    """No id at all names no group (Nova's 404, not a 405 for the collection)."""
    raise NotFound("Security group  not found.")


@router.get("/os-security-groups/{security_group_id}", response_model=NovaSecurityGroupShow)
def show(security_group_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    check_version(version)
    allow(engine, caller, "show")
    return {"security_group": nova_groups(cloud, [group_row(cloud, caller, security_group_id)])[0]}


@router.put("/os-security-groups/{security_group_id}", response_model=NovaSecurityGroupShow)
def update(security_group_id: str, body: GroupRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    check_version(version)
    allow(engine, caller, "update")
    row = group_row(cloud, caller, security_group_id)
    req = body.security_group
    with nova_errors():
        cloud.security_groups.update_group(caller.ctx, row["id"], req.name, req.description)
    return shown_group(cloud, row["id"])


@router.delete("/os-security-groups/{security_group_id}", status_code=202)
def delete(security_group_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> Response:
    check_version(version)
    allow(engine, caller, "delete")
    row = group_row(cloud, caller, security_group_id)
    with nova_errors():
        cloud.security_groups.delete_group(caller.ctx, row["id"])
    return Response(status_code=202)


@router.post("/os-security-group-rules", response_model=NovaSecurityGroupRuleShow)
def create_rule(body: RuleRequest, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                version: ComputeVersion) -> dict[str, Any]:
    check_version(version)
    allow(engine, caller, "rule:create")
    req = body.security_group_rule
    parent = group_row(cloud, caller, req.parent_group_id)
    if req.group_id is not None:
        group_row(cloud, caller, req.group_id)
    rule = nova_rule_request(req.ip_protocol, req.from_port, req.to_port, req.cidr,
                             req.group_id)
    with nova_errors():
        rule_id, _ = cloud.security_groups.create_rule(caller.ctx, parent["id"], rule)
    cloud.catch_up_for_reads()
    [group] = nova_groups(cloud, [parent])
    return {"security_group_rule": next(r for r in group["rules"]
                                        if UUID(r["id"]).hex == rule_id)}


@router.delete("/os-security-group-rules/{security_group_rule_id}", status_code=202)
def delete_rule(security_group_rule_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                version: ComputeVersion) -> Response:
    check_version(version)
    allow(engine, caller, "rule:delete")
    row = sg_views(cloud).rule(uuid_of(security_group_rule_id))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Security group rule {security_group_rule_id} not found.")
    cloud.security_groups.delete_rule(caller.ctx, row["group_id"], row["id"])
    return Response(status_code=202)


@router.get("/servers/{server_id}/os-security-groups", response_model=NovaSecurityGroupList)
def server_groups(server_id: str, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    allow(engine, caller, "list", server["project_id"])
    return {"security_groups": nova_groups(cloud, instance_groups(cloud, server["id"]))}


def instance_groups(cloud: CloudServices, instance_id: str) -> list[Row]:
    """The groups of the instance's ports, each once, in the order the ports name them."""
    ids: dict[str, None] = {}
    for port in views(cloud).ports(None, device_id=UUID(instance_id).hex):
        ids.update(dict.fromkeys(sg_views(cloud).port_security(port["id"])[0]))
    rows = [sg_views(cloud).group(g) for g in ids]
    return [r for r in rows if r is not None]
