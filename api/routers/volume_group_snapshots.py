"""Block Storage `/volume/v3/{project_id}/group_snapshots` (3.14+): snapshots of all of a
group's volumes taken together. Create, list/detail, show, delete, and the `reset_status`
action (administrators, 3.19).

Reads come from the group snapshot read model; changes go through the group snapshot service.
The storage worker makes (and deletes) each member snapshot, so create and delete answer 202
while the group snapshot is creating or deleting. Below 3.14 the routes do not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.bodies.volume_groups import group_snapshot_body, visible_group_snapshot
from api.bodies.volumes import PREFIX, check_path_project, cinder_quota, dashed
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import Version, VolumeVersion
from api.responses.volume_groups import GroupSnapshotCreated, GroupSnapshotList, GroupSnapshotShow
from api.routers.compute_servers import caught_up
from api.routers.volume_groups import TRUE, Id, ResetStatus, _parsed
from api.routers.volumes import Description, Text255, owned_by
from domain.errors import InvalidInput, NotFound
from projections.volume_groups import GroupSnapshotViews

router = APIRouter(prefix=PREFIX, tags=["volume: group snapshots"])

_OWNER, _READER = "rule:admin_or_member", "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("group:create_group_snapshot", _OWNER),
    policy.RuleDefault("group:get_group_snapshot", _READER),
    policy.RuleDefault("group:get_all_group_snapshots", _READER),
    policy.RuleDefault("group:delete_group_snapshot", _OWNER),
    policy.RuleDefault("group:reset_group_snapshot_status", "rule:admin_api"),
]


class GroupSnapshotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_id: Id
    name: Text255 | None = None
    description: Description | None = None


class GroupSnapshotCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_snapshot: GroupSnapshotCreate


def _since(version: Version, least: str = "3.14") -> None:
    if version < least:
        raise NotFound("The resource could not be found.")


@router.post("/group_snapshots", status_code=202, response_model=GroupSnapshotCreated)
def create(project_id: str, body: GroupSnapshotCreateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    _since(version)
    engine.enforce("group:create_group_snapshot", owned_by(caller.project_id), caller.creds)
    g = body.group_snapshot
    with cinder_quota(cloud.store):
        gs = cloud.group_snapshots.create(caller.ctx, g.group_id, g.name, g.description)
    caught_up(cloud)
    return {"group_snapshot": {"id": str(gs.id), "name": gs.name,
                               "group_type_id": dashed(gs.group_type_id)}}


def _listed(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
            version: Version, detailed: bool) -> dict[str, Any]:
    _since(version)
    engine.enforce("group:get_all_group_snapshots", owned_by(caller.project_id), caller.creds)
    params = request.query_params
    everyone = caller.is_admin and params.get("all_tenants", "0").lower() in TRUE
    rows = GroupSnapshotViews(cloud.store).list(None if everyone else caller.project_id)
    return {"group_snapshots": [group_snapshot_body(r) if detailed else
                                {"id": dashed(r["id"]), "name": r["name"]} for r in rows]}


@router.get("/group_snapshots", response_model=GroupSnapshotList)
def index(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return _listed(request, cloud, caller, engine, version, detailed=False)


@router.get("/group_snapshots/detail", response_model=GroupSnapshotList)
def index_detail(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return _listed(request, cloud, caller, engine, version, detailed=True)


@router.get("/group_snapshots/{group_snapshot_id}", response_model=GroupSnapshotShow)
def show(project_id: str, group_snapshot_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    _since(version)
    row = visible_group_snapshot(cloud, caller, group_snapshot_id)
    engine.enforce("group:get_group_snapshot", owned_by(row["project_id"]), caller.creds)
    return {"group_snapshot": group_snapshot_body(row)}


@router.delete("/group_snapshots/{group_snapshot_id}", status_code=202)
def delete(project_id: str, group_snapshot_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion) -> Response:
    check_path_project(project_id, caller)
    _since(version)
    row = visible_group_snapshot(cloud, caller, group_snapshot_id)
    engine.enforce("group:delete_group_snapshot", owned_by(row["project_id"]), caller.creds)
    cloud.group_snapshots.delete(caller.ctx, row["id"])
    return Response(status_code=202)


@router.post("/group_snapshots/{group_snapshot_id}/action", status_code=202)
def action(project_id: str, group_snapshot_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion,
           body: Annotated[Any, Body()] = None) -> Response:
    check_path_project(project_id, caller)
    _since(version)
    if not isinstance(body, dict) or len(body) != 1:
        raise InvalidInput("Malformed request body: exactly one action is expected.")
    (name, args), = body.items()
    if name != "reset_status":
        raise InvalidInput(f"There is no such action: {name}")
    _since(version, "3.19")
    row = visible_group_snapshot(cloud, caller, group_snapshot_id)
    engine.enforce("group:reset_group_snapshot_status", owned_by(row["project_id"]),
                   caller.creds)
    cloud.group_snapshots.reset_status(caller.ctx, row["id"], _parsed(ResetStatus, args).status)
    return Response(status_code=202)
