"""Compute `/os-server-groups`: affinity and anti-affinity groups and their members.

Microversions: the soft policies from 2.15; project_id and user_id from 2.13; from 2.64 a group
has one `policy` and `rules` instead of the `policies` list and `metadata`.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.servers import dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import ComputeVersion, Version
from api.policy import PolicyEngine
from api.responses.compute import (
    HARD,
    SERVER_GROUP_MODELS,
    SOFT,
    AnyServerGroup,
    ServerGroupList,
    ServerGroupShow,
    newest,
)
from api.strict_query import known_query
from api.validation import Name, PositiveCount
from domain.errors import InvalidInput, NotFound
from projections.servers import ServerViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: server groups"])

RULES = [
    policy.RuleDefault("os_compute_api:os-server-groups:index", "rule:admin_or_reader"),
    policy.RuleDefault("os_compute_api:os-server-groups:index:all_projects", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-server-groups:show", "rule:admin_or_reader"),
    policy.RuleDefault("os_compute_api:os-server-groups:create", "rule:admin_or_member"),
    policy.RuleDefault("os_compute_api:os-server-groups:delete", "rule:admin_or_member"),
]


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_server_per_host: PositiveCount


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    policies: list[str] | None = Field(default=None, min_length=1, max_length=1)
    policy: str | None = None
    rules: Rules | None = None


class GroupCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    server_group: GroupCreate


def chosen_policy(group: GroupCreate, version: Version) -> tuple[str, dict[str, Any]]:
    """The policy and rules a create asks for, in the form its microversion uses."""
    allowed = HARD + SOFT if version >= "2.15" else HARD
    unexpected = ("policies",) if version >= "2.64" else ("policy", "rules")
    for field in unexpected:
        if field in group.model_fields_set:
            raise InvalidInput(f"Additional properties are not allowed ('{field}' was unexpected)")
    chosen = group.policy if version >= "2.64" else next(iter(group.policies or ()), None)
    if chosen is None:
        required = "policy" if version >= "2.64" else "policies"
        raise InvalidInput(f"Invalid input for field/attribute server_group: '{required}' is a "
                           "required property")
    if chosen not in allowed:
        raise InvalidInput(f"Invalid input for field/attribute policies: '{chosen}' is not one "
                           f"of {list(allowed)}")
    rules = group.rules.model_dump() if group.rules else {}
    if rules and chosen != "anti-affinity":
        raise InvalidInput("Only anti-affinity policy supports rules.")
    return chosen, rules


def group_body(row: dict[str, Any], members: list[str], version: Version) -> AnyServerGroup:
    body: dict[str, Any] = {"id": dashed(row["id"]), "name": row["name"],
                            "members": [dashed(m) for m in members]}
    if version >= "2.64":
        body.update(policy=row["policy"], rules=row["rules"])
    else:
        body.update(policies=[row["policy"]], metadata={})
    if version >= "2.13":
        body.update(project_id=row["project_id"], user_id=row["user_id"])
    return newest(version, SERVER_GROUP_MODELS).model_validate(body)


def visible_group(cloud: CloudServices, caller: Caller, engine: PolicyEngine, rule: str,
                  group_id: str) -> dict[str, Any]:
    try:
        row = ServerViews(cloud.store).group(UUID(group_id).hex)
    except ValueError:
        row = None
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Server group {group_id} could not be found.")
    engine.enforce(rule, {"project_id": row["project_id"], "user_id": row["user_id"]},
                   caller.creds)
    return row


@router.get("/os-server-groups", dependencies=[known_query("all_projects", "limit", "offset")])
def index(cloud: CloudDep, caller: CallerDep, engine: PolicyDep, version: ComputeVersion,
          all_projects: str | None = None, limit: Annotated[int | None, Query(ge=0)] = None,
          offset: Annotated[int, Query(ge=0)] = 0) -> ServerGroupList:
    own = {"project_id": caller.project_id, "user_id": caller.user_id}
    engine.enforce("os_compute_api:os-server-groups:index", own, caller.creds)
    project: str | None = caller.project_id
    if all_projects is not None:
        engine.enforce("os_compute_api:os-server-groups:index:all_projects", own, caller.creds)
        project = None
    views = ServerViews(cloud.store)
    rows = views.groups(project)[offset:]
    rows = rows[:limit] if limit is not None else rows
    return ServerGroupList(server_groups=[group_body(r, views.members(r["id"]), version)
                                          for r in rows])


@router.post("/os-server-groups")
def create(body: GroupCreateRequest, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> ServerGroupShow:
    engine.enforce("os_compute_api:os-server-groups:create",
                   {"project_id": caller.project_id, "user_id": caller.user_id}, caller.creds)
    chosen, rules = chosen_policy(body.server_group, version)
    group = cloud.server_groups.create(caller.ctx, body.server_group.name, chosen, rules)
    row = {"id": group.id.hex, "name": group.name, "policy": group.policy, "rules": group.rules,
           "project_id": group.project_id, "user_id": group.user_id}
    return ServerGroupShow(server_group=group_body(row, [], version))


@router.get("/os-server-groups/{group_id}")
def show(group_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> ServerGroupShow:
    row = visible_group(cloud, caller, engine, "os_compute_api:os-server-groups:show", group_id)
    members = ServerViews(cloud.store).members(row["id"])
    return ServerGroupShow(server_group=group_body(row, members, version))


@router.delete("/os-server-groups/{group_id}", status_code=204)
def delete(group_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> Response:
    row = visible_group(cloud, caller, engine, "os_compute_api:os-server-groups:delete", group_id)
    cloud.server_groups.delete(caller.ctx, row["id"])
    return Response(status_code=204)

