"""Block Storage `/volume/v3/{project_id}/group_types` (3.11) and their group specs: Cinder's
generic volume group types. Reads come from the group type read model, changes go through the
group type service; administrators manage them, everyone sees the public ones. Below 3.11 the
routes do not exist (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project, dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import Version, VolumeVersion
from api.routers.compute_servers import caught_up
from api.routers.volume_types import Description, Flag, SpecKey, SpecValue, TypeName
from api.volume_listing import ordered, sort_order
from domain.errors import InvalidInput, NotFound
from projections.group_types import GroupTypeViews
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["volume: group types"])

_ADMIN, _READER = "rule:admin_api", "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("group:group_types:create", _ADMIN),
    policy.RuleDefault("group:group_types:update", _ADMIN),
    policy.RuleDefault("group:group_types:delete", _ADMIN),
    policy.RuleDefault("group:group_types:get", _READER),
    policy.RuleDefault("group:group_types_specs", _ADMIN),
    policy.RuleDefault("group:access_group_types_specs", _ADMIN),
]
TYPES = "/group_types"
ONE = "/group_types/{group_type_id}"
Specs = dict[SpecKey, SpecValue]
# Cinder's group type sort keys, and what each sorts by (creation order for created_at).
SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    "id": lambda r: str(UUID(r["id"])), "name": lambda r: r["name"],
    "created_at": lambda r: r["seq"], "is_public": lambda r: r["is_public"],
    "description": lambda r: r["description"]}


class GroupTypeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: TypeName
    description: Description | None = None
    is_public: Flag = True
    group_specs: Specs | None = None


class GroupTypeCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_type: GroupTypeCreate


class GroupTypeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: TypeName | None = None
    description: Description | None = None
    is_public: Flag | None = None


class GroupTypeUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_type: GroupTypeUpdate


class GroupSpecsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_specs: Annotated[Specs, Field(min_length=1)]


def _since_3_11(version: Version) -> None:
    if version < "3.11":
        raise NotFound("The resource could not be found.")


def _guarded(project_id: str, caller: Caller, engine: Any, version: Version,
             rule: str) -> None:
    check_path_project(project_id, caller)
    _since_3_11(version)
    engine.enforce(rule, {"project_id": caller.project_id}, caller.creds)


def _key(ref: str) -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        raise NotFound(f"Group type with id {ref} could not be found.") from None


def visible(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    row = GroupTypeViews(cloud.store).get(_key(ref))
    if row is None or not (row["is_public"] or caller.is_admin):
        raise NotFound(f"Group type with id {ref} could not be found.")
    return row


def body(row: Row, caller: Caller, engine: Any) -> dict[str, Any]:
    shown = {"id": dashed(row["id"]), "name": row["name"], "description": row["description"],
             "is_public": row["is_public"]}
    if engine.allowed("group:access_group_types_specs", {"project_id": caller.project_id},
                      caller.creds):
        shown["group_specs"] = row["group_specs"]
    return shown


def is_public_filter(value: str | None) -> bool | None:
    """Cinder's _parse_is_public: true by default, None ('None' or absent for admins) all."""
    if value is None or value.lower() == "none":
        return None if value is not None else True
    if value.lower() in ("true", "1", "on", "yes", "y", "t"):
        return True
    if value.lower() in ("false", "0", "off", "no", "n", "f"):
        return False
    raise InvalidInput(f"Invalid is_public filter [{value}]")


@router.get(TYPES)
def index(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types:get")
    public = is_public_filter(request.query_params.get("is_public"))
    if not caller.is_admin:
        public = True
    rows = [r for r in GroupTypeViews(cloud.store).list()
            if public is None or r["is_public"] == public]
    if "sort" in request.query_params or "sort_key" in request.query_params:
        rows = ordered(rows, sort_order(request.query_params, SORT_KEYS), SORT_KEYS)
    return {"group_types": [body(r, caller, engine) for r in rows]}


@router.get(ONE)
def show(project_id: str, group_type_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types:get")
    if group_type_id == "default":
        raise NotFound("Default group type could not be found.")  # none is configured
    return {"group_type": body(visible(cloud, caller, group_type_id), caller, engine)}


@router.post(TYPES, status_code=202)
def create(project_id: str, request_body: GroupTypeCreateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types:create")
    t = request_body.group_type
    made = cloud.group_types.create(caller.ctx, t.name, t.description, t.is_public,
                                    t.group_specs or {})
    caught_up(cloud)
    return {"group_type": body(visible(cloud, caller, made.id.hex), caller, engine)}


@router.put(ONE)
def update(project_id: str, group_type_id: str, request_body: GroupTypeUpdateRequest,
           cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types:update")
    changes = request_body.group_type.model_dump(exclude_none=True)
    if not changes:
        raise InvalidInput("Specify group type name, description or a combination thereof.")
    cloud.group_types.update(caller.ctx, _key(group_type_id), changes)
    caught_up(cloud)
    return {"group_type": body(visible(cloud, caller, group_type_id), caller, engine)}


@router.delete(ONE, status_code=202)
def delete(project_id: str, group_type_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion) -> Response:
    _guarded(project_id, caller, engine, version, "group:group_types:delete")
    cloud.group_types.delete(caller.ctx, _key(group_type_id))
    return Response(status_code=202)


# -- group specs -------------------------------------------------------------------------------
@router.get(f"{ONE}/group_specs")
def specs(project_id: str, group_type_id: str, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types_specs")
    return {"group_specs": visible(cloud, caller, group_type_id)["group_specs"]}


@router.post(f"{ONE}/group_specs", status_code=202)
def set_specs(project_id: str, group_type_id: str, request_body: GroupSpecsRequest,
              cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
              version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types_specs")
    cloud.group_types.set_specs(caller.ctx, _key(group_type_id), request_body.group_specs)
    return {"group_specs": request_body.group_specs}


@router.get(f"{ONE}/group_specs/{{key}}")
def spec(project_id: str, group_type_id: str, key: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types_specs")
    found = visible(cloud, caller, group_type_id)["group_specs"]
    if key not in found:
        raise NotFound(f"Group Type {group_type_id} has no specs with key {key}.")
    return {key: found[key]}


@router.put(f"{ONE}/group_specs/{{key}}")
def set_spec(project_id: str, group_type_id: str, key: str,
             request_body: Annotated[dict[str, Any], Body()], cloud: CloudDep,
             caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    _guarded(project_id, caller, engine, version, "group:group_types_specs")
    if key not in request_body:
        raise InvalidInput("Request body and URI mismatch")
    if len(request_body) > 1:
        raise InvalidInput("Request body contains too many items")
    value = request_body[key]
    if not isinstance(value, str) or len(value) > 255:
        raise InvalidInput(f"Invalid input for field/attribute {key}: a string of at most "
                           "255 characters is expected.")
    cloud.group_types.set_specs(caller.ctx, _key(group_type_id), {key: value})
    return {key: value}


@router.delete(f"{ONE}/group_specs/{{key}}", status_code=202)
def unset_spec(project_id: str, group_type_id: str, key: str, cloud: CloudDep,
               caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> Response:
    _guarded(project_id, caller, engine, version, "group:group_types_specs")
    cloud.group_types.unset_spec(caller.ctx, _key(group_type_id), key)
    return Response(status_code=202)
