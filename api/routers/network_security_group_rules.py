"""Networking `/network/v2.0/security-group-rules`: the rules of a project's security groups.

A rule is validated as Neutron does (domain/network/security_rules.py: 400 with Neutron's
words), then added to its group by the group aggregate, which refuses a duplicate (409); a
remote group must be a group of the same project (404 otherwise). Rules cannot be updated, as
in Neutron. Each counts on the `security_group_rule` quota of its group's project.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.bodies.networks import PREFIX, neutron_quota, owned_by, project_filter, target
from api.bodies.security_groups import (
    default_ids,
    ensure_default,
    rule_body,
    sg_views,
    visible_group,
    visible_rule,
)
from api.deps import CallerDep, CloudDep, PolicyDep
from api.responses.security_groups import (
    SecurityGroupRuleFieldsShow,
    SecurityGroupRuleList,
    SecurityGroupRuleShow,
)
from api.routers.network_networks import matches, selected
from domain.errors import InvalidInput, NotFound
from domain.network.security_rules import parse_rule

router = APIRouter(prefix=PREFIX, tags=["network: security group rules"])

RULES = [
    policy.RuleDefault("get_security_group_rule", "rule:admin_or_reader"),
    policy.RuleDefault("create_security_group_rule", "rule:admin_or_member"),
    policy.RuleDefault("delete_security_group_rule", "rule:admin_or_member"),
]

FILTERS = ("id", "security_group_id", "direction", "ethertype", "protocol", "port_range_min",
           "port_range_max", "remote_ip_prefix", "remote_group_id", "description",
           "project_id", "tenant_id")


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    security_group_id: str = Field(max_length=64)
    direction: Any = None
    ethertype: Any = "IPv4"
    protocol: Any = None
    port_range_min: Any = None
    port_range_max: Any = None
    remote_ip_prefix: Any = None
    remote_group_id: str | None = Field(default=None, max_length=64)
    remote_address_group_id: None = None  # address groups are not offered
    description: str = Field(default="", max_length=255)
    project_id: str | None = Field(default=None, max_length=255)
    tenant_id: str | None = Field(default=None, max_length=255)


class RuleCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    security_group_rule: RuleCreate


def shown_rule(cloud: Any, rule_id: str) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = sg_views(cloud).rule(rule_id)
    if row is None:
        raise NotFound(f"Security group rule {rule_id} does not exist")
    return rule_body(row, default_ids(cloud))


@router.get("/security-group-rules", response_model=SecurityGroupRuleList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    params = request.query_params
    engine.enforce("get_security_group_rule", owned_by(caller.project_id or ""), caller.creds)
    ensure_default(cloud, caller, caller.project_id)
    rows = sg_views(cloud).rules(project_id=project_filter(params, caller))
    defaults = default_ids(cloud)
    bodies = [rule_body(r, defaults) for r in rows]
    return {"security_group_rules": [selected(b, params) for b in bodies
                                     if matches(b, params, FILTERS)]}


@router.post("/security-group-rules", status_code=201, response_model=SecurityGroupRuleShow)
def create(body: RuleCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    req = body.security_group_rule
    # Neutron converts and checks each attribute (400) before it looks anything up (404).
    rule = parse_rule(req.direction, req.ethertype, req.protocol, req.port_range_min,
                      req.port_range_max, req.remote_ip_prefix, req.remote_group_id,
                      req.description)
    group = visible_group(cloud, caller, req.security_group_id)
    owners = {req.project_id, req.tenant_id} - {None}
    if owners and owners != {group["project_id"]}:
        raise InvalidInput("A rule belongs to its security group's project: 'project_id' and "
                           "'tenant_id' must name it.")
    engine.enforce("create_security_group_rule", target(group), caller.creds)
    with neutron_quota():
        rule_id, _ = cloud.security_groups.create_rule(caller.ctx, group["id"], rule)
    return {"security_group_rule": shown_rule(cloud, rule_id)}


RULE_PATH = "/security-group-rules/{security_group_rule_id}"


@router.get(RULE_PATH, response_model=SecurityGroupRuleFieldsShow)
def show(security_group_rule_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_rule(cloud, caller, security_group_rule_id)
    engine.enforce("get_security_group_rule", target(row), caller.creds)
    body = rule_body(row, default_ids(cloud))
    return {"security_group_rule": selected(body, request.query_params)}


@router.delete(RULE_PATH, status_code=204)
def delete(security_group_rule_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    row = visible_rule(cloud, caller, security_group_rule_id)
    engine.enforce("delete_security_group_rule", target(row), caller.creds)
    cloud.security_groups.delete_rule(caller.ctx, row["group_id"], row["id"])
    return Response(status_code=204)
