"""Block Storage `/volume/v3/{project_id}/groups` (3.13+): Cinder's generic volume groups.
Create, create from a group snapshot or another group (the `create-from-src` action, 3.14),
list/detail, show, update (name, description, add_volumes, remove_volumes), and the group
actions `delete` (with `delete-volumes`) and `reset_status` (administrators, 3.20).

Reads come from the group read model; changes go through the volume group service. Below 3.13
the routes do not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.bodies.volume_groups import group_body, visible_group
from api.bodies.volumes import PREFIX, check_path_project, cinder_quota, dashed
from api.deps import CallerDep, CloudDep, PolicyDep
from api.errors import describe_validation
from api.microversions import Version, VolumeVersion
from api.responses.volume_groups import GroupCreated, GroupList, GroupShow
from api.routers.compute_servers import caught_up
from api.routers.volumes import Description, Text255, owned_by
from domain.errors import InvalidInput, NotFound
from domain.services.storage.groups import GroupRequest, MemberChanges
from projections.volume_groups import VolumeGroupViews

router = APIRouter(prefix=PREFIX, tags=["volume: groups"])

_OWNER, _READER = "rule:admin_or_member", "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("group:create", _OWNER),
    policy.RuleDefault("group:get", _READER),
    policy.RuleDefault("group:get_all", _READER),
    policy.RuleDefault("group:update", _OWNER),
    policy.RuleDefault("group:delete", _OWNER),
    policy.RuleDefault("group:reset_status", "rule:admin_api"),
]
Id = Annotated[str, Field(max_length=255)]
TRUE = ("1", "true", "yes", "on", "y", "t")


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_type: Id | None = None
    volume_types: list[Id] | None = None
    name: Text255 | None = None
    description: Description | None = None
    availability_zone: Id | None = None


class GroupCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: GroupCreate


class GroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text255 | None = None
    description: Description | None = None
    add_volumes: Annotated[str, Field(max_length=65535)] | None = None  # ids, comma-separated
    remove_volumes: Annotated[str, Field(max_length=65535)] | None = None


class GroupUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: GroupUpdate


class FromSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text255 | None = None
    description: Description | None = None
    group_snapshot_id: Id | None = None
    source_group_id: Id | None = None


class Delete(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    delete_volumes: bool = Field(default=False, alias="delete-volumes")


class ResetStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Id


def _since(version: Version, least: str = "3.13") -> None:
    if version < least:
        raise NotFound("The resource could not be found.")


def _parsed(model: type[BaseModel], args: Any) -> Any:
    try:
        return model.model_validate(args if args is not None else {})
    except ValidationError as invalid:
        raise InvalidInput(describe_validation(invalid)) from None


def _ids(listed: str | None) -> tuple[str, ...]:
    return tuple(i.strip() for i in (listed or "").split(",") if i.strip())


@router.post("/groups", status_code=202, response_model=GroupCreated)
def create(project_id: str, body: GroupCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    _since(version)
    engine.enforce("group:create", owned_by(caller.project_id), caller.creds)
    g = body.group
    with cinder_quota(cloud.store):
        group = cloud.volume_groups.create(caller.ctx, GroupRequest(
            group_type=g.group_type, volume_types=tuple(g.volume_types or ()), name=g.name,
            description=g.description, availability_zone=g.availability_zone))
    caught_up(cloud)
    return {"group": {"id": str(group.id), "name": group.name}}


@router.post("/groups/action", status_code=202, response_model=GroupCreated)
def create_from_source(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                       version: VolumeVersion, body: Annotated[Any, Body()] = None
                       ) -> dict[str, Any]:
    check_path_project(project_id, caller)
    _since(version, "3.14")
    engine.enforce("group:create", owned_by(caller.project_id), caller.creds)
    if not isinstance(body, dict) or set(body) != {"create-from-src"}:
        raise InvalidInput("Malformed request body: 'create-from-src' is expected.")
    src = _parsed(FromSource, body["create-from-src"])
    with cinder_quota(cloud.store):
        group = cloud.volume_groups.create_from_source(
            caller.ctx, src.name, src.description, group_snapshot_id=src.group_snapshot_id,
            source_group_id=src.source_group_id)
    caught_up(cloud)
    return {"group": {"id": str(group.id), "name": group.name}}


def _listed(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
            version: Version, detailed: bool) -> dict[str, Any]:
    _since(version)
    engine.enforce("group:get_all", owned_by(caller.project_id), caller.creds)
    params = request.query_params
    everyone = caller.is_admin and params.get("all_tenants", "0").lower() in TRUE
    rows = VolumeGroupViews(cloud.store).list(None if everyone else caller.project_id)
    list_volume = params.get("list_volume", "").lower() in TRUE
    return {"groups": [group_body(cloud, r, version, list_volume) if detailed else
                       {"id": dashed(r["id"]), "name": r["name"]} for r in rows]}


@router.get("/groups", response_model=GroupList)
def index(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return _listed(request, cloud, caller, engine, version, detailed=False)


@router.get("/groups/detail", response_model=GroupList)
def index_detail(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return _listed(request, cloud, caller, engine, version, detailed=True)


@router.get("/groups/{volume_group_id}", response_model=GroupShow)
def show(project_id: str, volume_group_id: str, request: Request, cloud: CloudDep,
         caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    _since(version)
    row = visible_group(cloud, caller, volume_group_id)
    engine.enforce("group:get", owned_by(row["project_id"]), caller.creds)
    list_volume = request.query_params.get("list_volume", "").lower() in TRUE
    return {"group": group_body(cloud, row, version, list_volume)}


@router.put("/groups/{volume_group_id}", status_code=202)
def update(project_id: str, volume_group_id: str, body: GroupUpdateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> Response:
    check_path_project(project_id, caller)
    _since(version)
    row = visible_group(cloud, caller, volume_group_id)
    engine.enforce("group:update", owned_by(row["project_id"]), caller.creds)
    g = body.group
    changes: dict[str, Any] = {k: getattr(g, k) for k in ("name", "description")
                               if k in g.model_fields_set}
    cloud.volume_groups.update(caller.ctx, row["id"], changes, MemberChanges(
        add=_ids(g.add_volumes), remove=_ids(g.remove_volumes)))
    return Response(status_code=202)


@router.post("/groups/{volume_group_id}/action", status_code=202)
def action(project_id: str, volume_group_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion,
           body: Annotated[Any, Body()] = None) -> Response:
    check_path_project(project_id, caller)
    _since(version)
    if not isinstance(body, dict) or len(body) != 1:
        raise InvalidInput("Malformed request body: exactly one action is expected.")
    (name, args), = body.items()
    if name == "reset_status":
        _since(version, "3.20")
    elif name != "delete":
        raise InvalidInput(f"There is no such action: {name}")
    row = visible_group(cloud, caller, volume_group_id)
    target = owned_by(row["project_id"])
    if name == "delete":
        engine.enforce("group:delete", target, caller.creds)
        parsed = _parsed(Delete, args)
        cloud.volume_groups.delete(caller.ctx, row["id"], parsed.delete_volumes)
    else:
        engine.enforce("group:reset_status", target, caller.creds)
        cloud.volume_groups.reset_status(caller.ctx, row["id"],
                                         _parsed(ResetStatus, args).status)
    return Response(status_code=202)
