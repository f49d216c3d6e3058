"""Block Storage `/volume/v3/{project_id}/snapshots`: create (of an available volume, or an
in-use one with `force`), list/detail (filters, sort, marker, limit, offset), show, update,
delete, and the actions os-reset_status and os-force_delete (administrators) and
os-update_snapshot_status.

Reads come from the snapshot read model; changes go through the snapshot service. The storage
worker of the volume's host makes and deletes the copy, so create and delete answer 202 while
the snapshot is still creating or deleting.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.auth import Caller
from api.bodies.volume_snapshots import snapshot_body, snapshot_key, visible_snapshot
from api.bodies.volumes import PREFIX, check_path_project, cinder_quota
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.errors import describe_validation
from api.microversions import Version, VolumeVersion
from api.policy import PolicyEngine
from api.responses.volume_snapshots import VolumeSnapshotList, VolumeSnapshotShow
from api.routers.compute_servers import caught_up
from api.routers.volumes import Description, Metadata, Text255, owned_by
from api.volume_listing import SNAPSHOT_SORT_KEYS, ordered, page_of, sort_order
from domain.errors import InvalidInput, NotFound
from domain.services.storage.snapshots import SnapshotRequest
from projections.store import Row
from projections.volume_snapshots import VolumeSnapshotViews

router = APIRouter(prefix=PREFIX, tags=["volume: snapshots"])

_OWNER, _READER = "rule:admin_or_member", "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("volume:create_snapshot", _OWNER),
    policy.RuleDefault("volume:get_snapshot", _READER),
    policy.RuleDefault("volume:get_all_snapshots", _READER),
    policy.RuleDefault("volume:update_snapshot", _OWNER),
    policy.RuleDefault("volume:delete_snapshot", _OWNER),
    policy.RuleDefault("volume_extension:snapshot_admin_actions:reset_status",
                       "rule:admin_api"),
    policy.RuleDefault("volume_extension:snapshot_admin_actions:force_delete",
                       "rule:admin_api"),
    policy.RuleDefault("snapshot_extension:snapshot_actions:update_snapshot_status", _OWNER),
]


class SnapshotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume_id: Annotated[str, Field(max_length=255)] | None = None
    force: bool | None = None
    name: Text255 | None = None
    description: Description | None = None
    display_name: Text255 | None = None
    display_description: Description | None = None
    metadata: Metadata | None = None


class SnapshotCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    snapshot: SnapshotCreate


class SnapshotUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text255 | None = None
    description: Description | None = None
    display_name: Text255 | None = None
    display_description: Description | None = None


class SnapshotUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    snapshot: SnapshotUpdate


class ResetStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Annotated[str, Field(max_length=255)]


class UpdateStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Annotated[str, Field(max_length=255)]
    progress: Annotated[str, Field(max_length=255)] | None = None


class ForceDelete(BaseModel):
    model_config = ConfigDict(extra="forbid")


def snapshot_force(given: bool | None, version: Version) -> bool:
    """Before 3.66 an in-use volume needs force=true; from 3.66 any snapshot may be of an
    in-use volume and force=false is refused (Cinder's SNAPSHOT_IN_USE)."""
    if version < "3.66":
        return bool(given)
    if given is False:
        raise InvalidInput("Invalid input received: Since microversion 3.66 the 'force' flag "
                           "is invalid for this request.")
    return True


@router.post("/snapshots", status_code=202, response_model=VolumeSnapshotShow)
def create(project_id: str, body: SnapshotCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("volume:create_snapshot", owned_by(caller.project_id), caller.creds)
    s = body.snapshot
    if s.volume_id is None:
        raise NotFound("Volume None could not be found.")
    request = SnapshotRequest(
        volume_id=s.volume_id, name=s.name if s.name is not None else s.display_name,
        description=s.description if s.description is not None else s.display_description,
        metadata=s.metadata or {}, force=snapshot_force(s.force, version))
    with cinder_quota(cloud.store):
        snapshot = cloud.volume_snapshots.create(caller.ctx, request)
    caught_up(cloud)
    row = visible_snapshot(cloud, caller, snapshot.id.hex)
    return {"snapshot": snapshot_body(row, caller, version, extended=False)}


def listed(request: Request, cloud: CloudServices, caller: Caller,
           engine: PolicyEngine) -> list[Row]:
    params = request.query_params
    engine.enforce("volume:get_all_snapshots", owned_by(caller.project_id), caller.creds)
    everyone = caller.is_admin and params.get("all_tenants", "0").lower() in (
        "1", "true", "yes", "on")
    project = params.get("project_id") if everyone else caller.project_id
    order = sort_order(params, SNAPSHOT_SORT_KEYS)
    volume_id = params.get("volume_id")
    rows = VolumeSnapshotViews(cloud.store).list(
        project, name=params.get("name") or params.get("display_name"),
        status=params.get("status"),
        volume_id=snapshot_key(volume_id) if volume_id else None)
    rows = ordered(rows, order, SNAPSHOT_SORT_KEYS)
    return page_of(rows, params, snapshot_key)


@router.get("/snapshots", response_model=VolumeSnapshotList)
def index(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return {"snapshots": [snapshot_body(r, caller, version, extended=False)
                          for r in listed(request, cloud, caller, engine)]}


@router.get("/snapshots/detail", response_model=VolumeSnapshotList)
def index_detail(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return {"snapshots": [snapshot_body(r, caller, version)
                          for r in listed(request, cloud, caller, engine)]}


@router.get("/snapshots/{snapshot_id}", response_model=VolumeSnapshotShow)
def show(project_id: str, snapshot_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    row = visible_snapshot(cloud, caller, snapshot_id)
    engine.enforce("volume:get_snapshot", owned_by(row["project_id"]), caller.creds)
    return {"snapshot": snapshot_body(row, caller, version)}


@router.put("/snapshots/{snapshot_id}", response_model=VolumeSnapshotShow)
def update(project_id: str, snapshot_id: str, body: SnapshotUpdateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    row = visible_snapshot(cloud, caller, snapshot_id)
    engine.enforce("volume:update_snapshot", owned_by(row["project_id"]), caller.creds)
    s = body.snapshot
    changes: dict[str, Any] = {}
    for field, legacy in (("name", "display_name"), ("description", "display_description")):
        if field in s.model_fields_set or legacy in s.model_fields_set:
            changes[field] = getattr(s, field) if field in s.model_fields_set \
                else getattr(s, legacy)
    cloud.volume_snapshots.update(caller.ctx, row["id"], changes)
    caught_up(cloud)
    row = visible_snapshot(cloud, caller, snapshot_id)
    return {"snapshot": snapshot_body(row, caller, version, extended=False)}


@router.delete("/snapshots/{snapshot_id}", status_code=202)
def delete(project_id: str, snapshot_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    row = visible_snapshot(cloud, caller, snapshot_id)
    engine.enforce("volume:delete_snapshot", owned_by(row["project_id"]), caller.creds)
    cloud.volume_snapshots.delete(caller.ctx, row["id"])
    return Response(status_code=202)


ACTIONS: dict[str, type[BaseModel]] = {"os-reset_status": ResetStatus,
                                       "os-force_delete": ForceDelete,
                                       "os-update_snapshot_status": UpdateStatus}


@router.post("/snapshots/{snapshot_id}/action", status_code=202)
def action(project_id: str, snapshot_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, body: Annotated[Any, Body()] = None) -> Response:
    check_path_project(project_id, caller)
    if not isinstance(body, dict) or len(body) != 1:
        raise InvalidInput("Malformed request body: exactly one action is expected.")
    (name, args), = body.items()
    if name not in ACTIONS:
        raise InvalidInput(f"There is no such action: {name}")
    try:
        parsed = ACTIONS[name].model_validate(args if args is not None else {})
    except ValidationError as invalid:
        raise InvalidInput(describe_validation(invalid)) from None
    row = visible_snapshot(cloud, caller, snapshot_id)
    target, ctx = owned_by(row["project_id"]), caller.ctx
    if isinstance(parsed, ResetStatus):
        engine.enforce("volume_extension:snapshot_admin_actions:reset_status", target,
                       caller.creds)
        cloud.volume_snapshots.reset_status(ctx, row["id"], parsed.status)
    elif isinstance(parsed, ForceDelete):
        engine.enforce("volume_extension:snapshot_admin_actions:force_delete", target,
                       caller.creds)
        cloud.volume_snapshots.delete(ctx, row["id"], force=True)
    elif isinstance(parsed, UpdateStatus):
        engine.enforce("snapshot_extension:snapshot_actions:update_snapshot_status", target,
                       caller.creds)
        cloud.volume_snapshots.update_status(ctx, row["id"], parsed.status, parsed.progress)
    return Response(status_code=202)
