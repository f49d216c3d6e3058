"""Block Storage `/volume/v3/{project_id}/types/{type_id}/encryption`: a volume type's encryption
specs (administrators only, by Cinder's policy). Reads come from their read model, changes go
through the volume type service; the specs change only while no volume uses the type. This
cloud makes no encrypted volume (no key manager): a volume of an encrypted type is refused."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project, dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.routers.volume_types import visible
from domain.errors import NotFound
from projections.store import Row
from projections.volume_type_encryption import TypeEncryptionViews

router = APIRouter(prefix=PREFIX, tags=["volume: type encryption"])

_ADMIN = "rule:admin_api"
_RULE = "volume_extension:volume_type_encryption:"
RULES = [policy.RuleDefault(f"{_RULE}{name}", _ADMIN)
         for name in ("create", "get", "update", "delete")]
ONE = "/types/{type_id}/encryption"
Text = Annotated[str, Field(min_length=0, max_length=255)]


class EncryptionSpecs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: Annotated[str, Field(min_length=1, max_length=255)]
    control_location: Literal["front-end", "back-end"] = "front-end"
    cipher: Text | None = None
    key_size: Annotated[int, Field(ge=0)] | None = None


class EncryptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encryption: EncryptionSpecs


class EncryptionChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    control_location: Literal["front-end", "back-end"] | None = None
    cipher: Text | None = None
    key_size: Annotated[int, Field(ge=0)] | None = None


class EncryptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encryption: EncryptionChanges


def _guarded(cloud: CloudServices, project_id: str, type_id: str, caller: Caller,
             engine: Any, action: str) -> Row:
    check_path_project(project_id, caller)
    engine.enforce(f"{_RULE}{action}", {"project_id": caller.project_id}, caller.creds)
    return visible(cloud, caller, type_id)


def _specs(row: Row) -> dict[str, Any]:
    return {k: row["specs"][k] for k in ("provider", "control_location", "cipher", "key_size")}


@router.get(ONE)
def show(project_id: str, type_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    """Cinder answers `{}` for a type without encryption."""
    vtype = _guarded(cloud, project_id, type_id, caller, engine, "get")
    row = TypeEncryptionViews(cloud.store).get(vtype["id"])
    if row is None:
        return {}
    return {"volume_type_id": dashed(vtype["id"]),
            "encryption_id": dashed(row["specs"]["encryption_id"]), **_specs(row),
            "deleted": False, "created_at": row["created_at"],
            "updated_at": row["updated_at"], "deleted_at": None}


@router.get(f"{ONE}/{{key}}")
def show_key(project_id: str, type_id: str, key: str, cloud: CloudDep, caller: CallerDep,
             engine: PolicyDep) -> dict[str, Any]:
    vtype = _guarded(cloud, project_id, type_id, caller, engine, "get")
    row = TypeEncryptionViews(cloud.store).get(vtype["id"])
    if row is None or key not in _specs(row):
        raise NotFound(f"Volume type encryption for type {type_id} does not exist.")
    return {key: _specs(row)[key]}


@router.post(ONE)
def create(project_id: str, type_id: str, body: EncryptionCreate, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    vtype = _guarded(cloud, project_id, type_id, caller, engine, "create")
    made = cloud.volume_types.encrypt(caller.ctx, vtype["id"], body.encryption.model_dump())
    encryption = made.encryption or {}
    return {"encryption": {"volume_type_id": dashed(vtype["id"]),
                           "encryption_id": dashed(encryption["encryption_id"]),
                           **{k: encryption[k] for k in ("provider", "control_location",
                                                         "cipher", "key_size")}}}


@router.put(f"{ONE}/{{encryption_id}}")
def update(project_id: str, type_id: str, encryption_id: str, body: EncryptionUpdate,
           cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    vtype = _guarded(cloud, project_id, type_id, caller, engine, "update")
    changes = body.encryption.model_dump(exclude_unset=True)
    cloud.volume_types.change_encryption(caller.ctx, vtype["id"], _hex(encryption_id),
                                         changes)
    return {"encryption": changes}


@router.delete(f"{ONE}/{{encryption_id}}", status_code=202)
def delete(project_id: str, type_id: str, encryption_id: str, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> Response:
    vtype = _guarded(cloud, project_id, type_id, caller, engine, "delete")
    cloud.volume_types.remove_encryption(caller.ctx, vtype["id"], _hex(encryption_id))
    return Response(status_code=202)


def _hex(ref: str) -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        return ref  # names no encryption: the type's service answers 404
