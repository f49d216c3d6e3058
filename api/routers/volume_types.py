"""Block Storage `/volume/v3/{project_id}/types`: volume types, their extra specs and the access
lists of private types (`os-volume-type-access`).

Reads come from the volume type read model; changes go through the type service. Everyone sees
the public types and the private ones shared with their project; administrators manage them.
Extra specs show whole to administrators and only Cinder's user-visible ones to the rest.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Response
from oslo_policy import policy
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project, dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.policy import PolicyEngine
from api.responses.volume_types import (
    ExtraSpecs,
    TypeAccessList,
    VolumeTypeList,
    VolumeTypeShow,
)
from api.responses.volume_types import VolumeType as VolumeTypeBody
from api.routers.compute_servers import caught_up
from domain.errors import InvalidInput, NotFound
from domain.storage.volume_type import DEFAULT_TYPE_ID
from projections.store import Row
from projections.volume_types import VolumeTypeViews

router = APIRouter(prefix=PREFIX, tags=["volume: types"])

_ADMIN, _READER = "rule:admin_api", "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("volume_extension:type_create", _ADMIN),
    policy.RuleDefault("volume_extension:type_update", _ADMIN),
    policy.RuleDefault("volume_extension:type_delete", _ADMIN),
    policy.RuleDefault("volume_extension:type_get", _READER),
    policy.RuleDefault("volume_extension:type_get_all", _READER),
    policy.RuleDefault("volume_extension:access_types_extra_specs", _READER),
    policy.RuleDefault("volume_extension:access_types_qos_specs_id", _ADMIN),
    policy.RuleDefault("volume_extension:types_extra_specs:index", _READER),
    policy.RuleDefault("volume_extension:types_extra_specs:show", _READER),
    policy.RuleDefault("volume_extension:types_extra_specs:create", _ADMIN),
    policy.RuleDefault("volume_extension:types_extra_specs:update", _ADMIN),
    policy.RuleDefault("volume_extension:types_extra_specs:delete", _ADMIN),
    policy.RuleDefault("volume_extension:types_extra_specs:read_sensitive", _ADMIN),
    policy.RuleDefault("volume_extension:volume_type_access", "rule:admin_or_member"),
    policy.RuleDefault("volume_extension:volume_type_access:addProjectAccess", _ADMIN),
    policy.RuleDefault("volume_extension:volume_type_access:removeProjectAccess", _ADMIN),
    policy.RuleDefault("volume_extension:volume_type_access:get_all_for_type", _ADMIN),
]
# Cinder's USER_VISIBLE_EXTRA_SPECS: what non-admins see of a type's extra specs.
USER_VISIBLE = ("RESKEY:availability_zones", "multiattach", "replication_enabled")
TRUE = ("true", "1", "on", "yes", "y", "t")
FALSE = ("false", "0", "off", "no", "n", "f")


def _boolean(value: Any) -> Any:
    """Cinder's parameter_types.boolean: a JSON boolean or one of its words for one."""
    if isinstance(value, str) and value.lower() in TRUE + FALSE:
        return value.lower() in TRUE
    return value


def _name(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("Name can not be empty or only blanks")
    return value


Flag = Annotated[bool, BeforeValidator(_boolean)]
TypeName = Annotated[str, BeforeValidator(_name), Field(min_length=1, max_length=255)]
Description = Annotated[str, Field(max_length=255, pattern=r"^[^\x00]*$")]
SpecKey = Annotated[str, Field(pattern=r"^[a-zA-Z0-9\-_:. /]{1,255}$")]
SpecValue = Annotated[str, Field(max_length=255)]


class TypeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: TypeName
    description: Description | None = None
    extra_specs: dict[SpecKey, SpecValue] | None = None
    is_public: Flag = Field(default=True, alias="os-volume-type-access:is_public")


class TypeCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume_type: TypeCreate


class TypeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: TypeName | None = None
    description: Description | None = None
    is_public: Flag | None = None


class TypeUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume_type: TypeUpdate


class ExtraSpecsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extra_specs: dict[Annotated[str, Field(pattern=r"^[a-zA-Z0-9\-_:.]{1,255}$")], SpecValue]


def type_key(ref: str) -> str:
    """The hex id of a type named in a path; anything else names nothing (404)."""
    if ref == "default":
        return DEFAULT_TYPE_ID.hex
    try:
        return UUID(ref).hex
    except ValueError:
        raise NotFound(f"Volume type {ref} could not be found.") from None


def visible(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    views = VolumeTypeViews(cloud.store)
    row = views.get(type_key(ref))
    if row is None or not views.visible_to(row, caller.project_id, caller.is_admin):
        raise NotFound(f"Volume type {ref} could not be found.")
    return row


def managed_body(row: Row, access_flag: bool) -> VolumeTypeBody:
    """A create's or update's answer: Cinder's older view (every extra spec, no qos-specs id),
    with the access flag on a create only."""
    body: dict[str, Any] = {"id": dashed(row["id"]), "name": row["name"],
                            "is_public": row["is_public"], "description": row["description"],
                            "extra_specs": row["extra_specs"]}
    if access_flag:
        body["os-volume-type-access:is_public"] = row["is_public"]
    return VolumeTypeBody.model_validate(body)


def type_body(row: Row, caller: Caller, engine: PolicyEngine) -> VolumeTypeBody:
    """The type as Cinder shows it to this caller (its policy decides the optional keys)."""
    target, creds = {"project_id": caller.project_id}, caller.creds
    body: dict[str, Any] = {"id": dashed(row["id"]), "name": row["name"],
                            "is_public": row["is_public"], "description": row["description"]}
    if engine.allowed("volume_extension:access_types_extra_specs", target, creds):
        specs = row["extra_specs"]
        if not engine.allowed("volume_extension:types_extra_specs:read_sensitive", target,
                              creds):
            specs = {k: v for k, v in specs.items() if k in USER_VISIBLE}
        body["extra_specs"] = specs
    if engine.allowed("volume_extension:access_types_qos_specs_id", target, creds):
        body["qos_specs_id"] = dashed(row["qos_specs_id"])
    if engine.allowed("volume_extension:volume_type_access", target, creds):
        body["os-volume-type-access:is_public"] = row["is_public"]
    return VolumeTypeBody.model_validate(body)


def is_public_filter(value: str | None) -> bool | None:
    """Cinder's _parse_is_public: true by default, None for 'none' (all types)."""
    if value is None:
        return True
    if value.lower() == "none":
        return None
    if value.lower() in TRUE + FALSE:
        return value.lower() in TRUE
    raise InvalidInput(f"Invalid is_public filter [{value}]")


@router.get("/types", response_model=VolumeTypeList)
def index(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          is_public: str | None = None) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:type_get_all", {"project_id": caller.project_id},
                   caller.creds)
    rows = VolumeTypeViews(cloud.store).list(caller.project_id, caller.is_admin,
                                             is_public_filter(is_public))
    return {"volume_types": [type_body(r, caller, engine) for r in rows]}


@router.get("/types/{type_id}", response_model=VolumeTypeShow)
def show(project_id: str, type_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:type_get", {"project_id": caller.project_id},
                   caller.creds)
    return {"volume_type": type_body(visible(cloud, caller, type_id), caller, engine)}


@router.post("/types", response_model=VolumeTypeShow)
def create(project_id: str, body: TypeCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:type_create", {"project_id": caller.project_id},
                   caller.creds)
    t = body.volume_type
    vtype = cloud.volume_types.create(caller.ctx, t.name, t.description, t.is_public,
                                      t.extra_specs or {})
    caught_up(cloud)
    return {"volume_type": managed_body(visible(cloud, caller, vtype.id.hex), True)}


@router.put("/types/{type_id}", response_model=VolumeTypeShow)
def update(project_id: str, type_id: str, body: TypeUpdateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    """Cinder's update answers without the access flag."""
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:type_update", {"project_id": caller.project_id},
                   caller.creds)
    changes = body.volume_type.model_dump(exclude_none=True)
    if not changes:
        raise InvalidInput("Specify volume type name, description, is_public or a "
                           "combination thereof.")
    cloud.volume_types.update(caller.ctx, type_key(type_id), changes)
    caught_up(cloud)
    return {"volume_type": managed_body(visible(cloud, caller, type_id), False)}


@router.delete("/types/{type_id}", status_code=202)
def delete(project_id: str, type_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:type_delete", {"project_id": caller.project_id},
                   caller.creds)
    cloud.volume_types.delete(caller.ctx, type_key(type_id))
    return Response(status_code=202)


# -- extra specs -----------------------------------------------------------------------------

def spec_rule(engine: PolicyEngine, caller: Caller, action: str) -> None:
    engine.enforce(f"volume_extension:types_extra_specs:{action}",
                   {"project_id": caller.project_id}, caller.creds)


@router.get("/types/{type_id}/extra_specs", response_model=ExtraSpecs)
def list_specs(project_id: str, type_id: str, cloud: CloudDep, caller: CallerDep,
               engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    spec_rule(engine, caller, "index")
    body = type_body(visible(cloud, caller, type_id), caller, engine)
    return {"extra_specs": body.extra_specs if "extra_specs" in body.model_fields_set else {}}


@router.post("/types/{type_id}/extra_specs", response_model=ExtraSpecs)
def create_specs(project_id: str, type_id: str, body: ExtraSpecsRequest, cloud: CloudDep,
                 caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    spec_rule(engine, caller, "create")
    cloud.volume_types.set_extra_specs(caller.ctx, type_key(type_id), body.extra_specs)
    return {"extra_specs": body.extra_specs}


@router.get("/types/{type_id}/extra_specs/{key}", response_model=dict[str, str])
def show_spec(project_id: str, type_id: str, key: str, cloud: CloudDep, caller: CallerDep,
              engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    spec_rule(engine, caller, "show")
    specs = list_specs(project_id, type_id, cloud, caller, engine)["extra_specs"]
    if key not in specs:
        raise NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
    return {key: specs[key]}


@router.put("/types/{type_id}/extra_specs/{key}", response_model=dict[str, str])
def update_spec(project_id: str, type_id: str, key: str, cloud: CloudDep, caller: CallerDep,
                engine: PolicyDep, body: Annotated[Any, Body()] = None) -> dict[str, Any]:
    check_path_project(project_id, caller)
    spec_rule(engine, caller, "update")
    if not isinstance(body, dict) or len(body) != 1 or not all(
            isinstance(v, str) and len(v) <= 255 for v in body.values()):
        raise InvalidInput("Invalid input received: the body must hold exactly one extra "
                           "spec, a string of at most 255 characters.")
    if key not in body:
        raise InvalidInput("Request body and URI mismatch")
    cloud.volume_types.set_extra_specs(caller.ctx, type_key(type_id), {key: body[key]})
    return {key: body[key]}


@router.delete("/types/{type_id}/extra_specs/{key}", status_code=202)
def delete_spec(project_id: str, type_id: str, key: str, cloud: CloudDep, caller: CallerDep,
                engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    spec_rule(engine, caller, "delete")
    cloud.volume_types.unset_extra_spec(caller.ctx, type_key(type_id), key)
    return Response(status_code=202)


# -- access of private types -----------------------------------------------------------------

class ProjectRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: Annotated[str, Field(min_length=1, max_length=255)]


class AccessAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    addProjectAccess: ProjectRef | None = None  # noqa: N815 - Cinder's names
    removeProjectAccess: ProjectRef | None = None  # noqa: N815


@router.get("/types/{type_id}/os-volume-type-access", response_model=TypeAccessList)
def list_access(project_id: str, type_id: str, cloud: CloudDep, caller: CallerDep,
                engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:volume_type_access:get_all_for_type",
                   {"project_id": caller.project_id}, caller.creds)
    row = visible(cloud, caller, type_id)
    if row["is_public"]:
        raise NotFound("Access list not available for public volume types.")
    return {"volume_type_access": [
        {"volume_type_id": dashed(row["id"]), "project_id": p}
        for p in VolumeTypeViews(cloud.store).access(row["id"])]}


@router.post("/types/{type_id}/action", status_code=202)
def access_action(project_id: str, type_id: str, body: AccessAction, cloud: CloudDep,
                  caller: CallerDep, engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    if (body.addProjectAccess is None) == (body.removeProjectAccess is None):
        raise InvalidInput("Exactly one of addProjectAccess or removeProjectAccess is "
                           "required.")
    target = {"project_id": caller.project_id}
    if body.addProjectAccess is not None:
        engine.enforce("volume_extension:volume_type_access:addProjectAccess", target,
                       caller.creds)
        cloud.volume_types.grant_access(caller.ctx, type_key(type_id),
                                        body.addProjectAccess.project)
    else:
        assert body.removeProjectAccess is not None
        engine.enforce("volume_extension:volume_type_access:removeProjectAccess", target,
                       caller.creds)
        cloud.volume_types.revoke_access(caller.ctx, type_key(type_id),
                                         body.removeProjectAccess.project)
    return Response(status_code=202)
