"""Block Storage `/volume/v3/{project_id}/volumes`: create, list, show, update, delete, and the
volume actions os-extend and (administrators) os-reset_status.

Reads come from the volume read model; changes go through the volume service, which records the
request: the storage worker carries it out and reports back, so create, delete and extend answer
202 while the volume is still creating, deleting or extending. The project in the path must be
the token's, as in Cinder; administrators see other projects' volumes with `all_tenants`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.auth import Caller
from api.bodies.volumes import (
    PREFIX,
    TRUTH,
    VolumeLook,
    check_path_project,
    cinder_quota,
    detail,
    summary,
    volume_key,
)
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import Version, VolumeVersion
from api.policy import PolicyEngine
from api.responses.volumes import VolumeDetailList, VolumeList, VolumeShow
from api.routers.compute_servers import caught_up
from api.validation import MAX_INT
from api.volume_listing import bool_param, ordered, page_limit, paged, sort_order
from api.volume_placement import place
from domain.errors import InvalidInput, NotFound
from domain.services.storage.volumes import VolumeRequest
from projections.storage_services import StorageServiceViews
from projections.store import Row
from projections.volume_types import VolumeTypeViews
from projections.volumes import VolumeViews

router = APIRouter(prefix=PREFIX, tags=["volume: volumes"])

_OWNER, _READER = "rule:admin_or_member", "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("volume:create", _OWNER),
    policy.RuleDefault("volume:get", _READER),
    policy.RuleDefault("volume:get_all", _READER),
    policy.RuleDefault("volume:update", _OWNER),
    policy.RuleDefault("volume:delete", _OWNER),
    policy.RuleDefault("volume:extend", _OWNER),
    policy.RuleDefault("volume:extend_attached_volume", _OWNER),
    policy.RuleDefault("volume:retype", _OWNER),
    policy.RuleDefault("volume_extension:volume_admin_actions:reset_status", "rule:admin_api"),
]

DIGITS = re.compile(r"^[0-9]+$")


def _size(value: Any) -> Any:
    """Cinder's volume_size: an integer, or a string of digits; never a boolean or fraction."""
    if isinstance(value, (bool, float)):
        raise ValueError(f"{value!r} is not of type 'integer', 'string'")
    if isinstance(value, str):
        if not DIGITS.match(value):
            raise ValueError(f"{value!r} does not match '^[0-9]+$'")
        return int(value)
    return value


Size = Annotated[int, BeforeValidator(_size), Field(ge=1, le=MAX_INT)]
# Cinder allows any string up to 255; NUL and other control characters have no place in a
# name (and PostgreSQL text cannot hold NUL).
Text255 = Annotated[str, Field(max_length=255, pattern=r"^[^\x00-\x1f]*$")]
Description = Annotated[str, Field(max_length=255, pattern=r"^[^\x00]*$")]
MetadataKey = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f]*$")]
Metadata = dict[MetadataKey, Text255]
# Fields of Cinder features this cloud does not offer: accepted only when they ask for nothing.
UNSUPPORTED = ("consistencygroup_id", "source_replica")


class VolumeCreate(BaseModel):
    # Cinder's schema allows further properties (clients send status, attach_status, ...).
    model_config = ConfigDict(extra="allow")
    size: Size | None = None  # None: the size of the snapshot or volume copied
    name: Text255 | None = None
    description: Description | None = None
    display_name: Text255 | None = None
    display_description: Description | None = None
    imageRef: Annotated[str, Field(max_length=255)] | None = None  # noqa: N815 - Cinder's names
    image_id: Annotated[str, Field(max_length=255)] | None = None
    availability_zone: Annotated[str, Field(max_length=255)] | None = None
    volume_type: Annotated[str, Field(max_length=255)] | None = None
    metadata: Metadata | None = None
    multiattach: bool = False
    snapshot_id: Annotated[str, Field(max_length=255)] | None = None
    source_volid: Annotated[str, Field(max_length=255)] | None = None
    group_id: Annotated[str, Field(max_length=255)] | None = None  # 3.13 (ignored before)


class VolumeCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    volume: VolumeCreate
    hints: dict[str, Any] | None = Field(default=None, alias="OS-SCH-HNT:scheduler_hints")


class VolumeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text255 | None = None
    description: Description | None = None
    display_name: Text255 | None = None
    display_description: Description | None = None
    metadata: Metadata | None = None


class VolumeUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume: VolumeUpdate


class Extend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_size: Size


class Retype(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_type: Annotated[str, Field(min_length=1, max_length=255)]
    migration_policy: Literal["never", "on-demand"] | None = None


class ResetStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Annotated[str, Field(max_length=255)]
    attach_status: str | None = None
    migration_status: str | None = None


def owned_by(project_id: str | None) -> dict[str, Any]:
    return {"project_id": project_id}


def visible(cloud: CloudServices, caller: Caller, volume_id: str) -> Row:
    """A volume of the caller's project (any, for an administrator), else Cinder's 404."""
    row = VolumeViews(cloud.store).get(volume_key(volume_id))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Volume {volume_id} could not be found.")
    return row


def shown(cloud: CloudServices, caller: Caller, volume_id: str,
          version: Version) -> dict[str, Any]:
    """A create's or update's answer: Cinder's extensions add nothing to those."""
    caught_up(cloud)
    return {"volume": detail(visible(cloud, caller, volume_id), look(cloud, caller, version),
                             extended=False)}


def look(cloud: CloudServices, caller: Caller, version: Version) -> VolumeLook:
    return VolumeLook(cloud.settings.public_url, caller, version,
                      VolumeTypeViews(cloud.store).names(),
                      StorageServiceViews(cloud.store).backends())


def volume_request(v: VolumeCreate) -> VolumeRequest:
    for field in UNSUPPORTED:
        if (v.model_extra or {}).get(field) is not None:
            raise InvalidInput(f"Invalid input received: {field} is not supported.")
    if v.multiattach:
        raise InvalidInput("Invalid input received: multiattach volumes are not supported.")
    return VolumeRequest(size=v.size, name=v.name if v.name is not None else v.display_name,
                         description=v.description if v.description is not None
                         else v.display_description,
                         image_ref=v.imageRef or v.image_id,
                         availability_zone=v.availability_zone, metadata=v.metadata or {},
                         volume_type=v.volume_type, snapshot_id=v.snapshot_id,
                         source_volid=v.source_volid)


@router.post("/volumes", status_code=202, response_model=VolumeShow)
def create(project_id: str, body: VolumeCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("volume:create", owned_by(caller.project_id), caller.creds)
    backup_id = (body.volume.model_extra or {}).get("backup_id")
    host, unschedulable = place(cloud, body.volume.volume_type)
    request = replace(volume_request(body.volume), host=host, unschedulable=unschedulable,
                      group_id=body.volume.group_id if version >= "3.13" else None)
    with cinder_quota(cloud.store):
        # A backup restored into the new volume (3.47; Cinder reads backup_id at any version).
        volume = cloud.volume_backups.create_volume(caller.ctx, str(backup_id), request) \
            if backup_id is not None else cloud.volumes.create(caller.ctx, request)
    return shown(cloud, caller, volume.id.hex, version)


# -- read ------------------------------------------------------------------------------------

def listed(request: Request, cloud: CloudServices, caller: Caller, engine: PolicyEngine,
           version: Version) -> tuple[list[Row], dict[str, Any]]:
    """The page of volumes asked for, and what the body adds: the next page's link, and from
    3.45 with `with_count` the number of volumes the filters match on every page (`count`)."""
    params = request.query_params
    counted = version >= "3.45" and "with_count" in params and \
        bool_param("with_count", params["with_count"])
    engine.enforce("volume:get_all", owned_by(caller.project_id), caller.creds)
    everyone = caller.is_admin and params.get("all_tenants", "0").lower() in (
        "1", "true", "yes", "on")
    project = params.get("project_id") if everyone else caller.project_id
    order, limit = sort_order(params), page_limit(params.get("limit"))
    marker = None
    if "marker" in params:
        try:
            marker = volume_key(params["marker"])
        except NotFound:
            raise InvalidInput(f"Invalid input received: marker [{params['marker']}] not "
                               "found") from None
    rows = VolumeViews(cloud.store).list(project, name=params.get("name"),
                                         status=params.get("status"))
    extra: dict[str, Any] = {}
    total = len(rows)
    rows = paged(ordered(rows, order), marker, limit)
    if limit is not None and rows and len(rows) == limit:
        base = f"{cloud.settings.public_url}{request.url.path}"
        last = summary(rows[-1], "")["id"]
        extra["volumes_links"] = [{"rel": "next", "href": f"{base}?limit={limit}&marker={last}"}]
    if counted:
        extra["count"] = total
    return rows, extra


@router.get("/volumes", response_model=VolumeList)
def index(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    rows, extra = listed(request, cloud, caller, engine, version)
    return {"volumes": [summary(r, cloud.settings.public_url) for r in rows], **extra}


@router.get("/volumes/detail", response_model=VolumeDetailList)
def index_detail(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    rows, extra = listed(request, cloud, caller, engine, version)
    seen = look(cloud, caller, version)
    return {"volumes": [detail(r, seen) for r in rows], **extra}


@router.get("/volumes/{volume_id}", response_model=VolumeShow)
def show(project_id: str, volume_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    row = visible(cloud, caller, volume_id)
    engine.enforce("volume:get", owned_by(row["project_id"]), caller.creds)
    return {"volume": detail(row, look(cloud, caller, version))}


@router.api_route("/volumes/", methods=["GET", "PUT", "DELETE"], include_in_schema=False)
def empty_volume_id(project_id: str, caller: CallerDep) -> Response:
    """Cinder routes `volumes/` to the volume with the empty id, which is never found (not the
    list, as a redirect to `/volumes` would make it)."""
    check_path_project(project_id, caller)
    raise NotFound("Volume  could not be found.")


# -- change ----------------------------------------------------------------------------------

@router.put("/volumes/{volume_id}", response_model=VolumeShow)
def update(project_id: str, volume_id: str, body: VolumeUpdateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    row = visible(cloud, caller, volume_id)
    engine.enforce("volume:update", owned_by(row["project_id"]), caller.creds)
    v = body.volume
    changes: dict[str, Any] = {}
    for field, legacy in (("name", "display_name"), ("description", "display_description")):
        if field in v.model_fields_set or legacy in v.model_fields_set:
            changes[field] = getattr(v, field) if field in v.model_fields_set \
                else getattr(v, legacy)
    if "metadata" in v.model_fields_set:
        changes["metadata"] = v.metadata or {}
    cloud.volumes.update(caller.ctx, row["id"], changes)
    return shown(cloud, caller, row["id"], version)


@router.delete("/volumes/{volume_id}", status_code=202)
def delete(project_id: str, volume_id: str, request: Request, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    row = visible(cloud, caller, volume_id)
    engine.enforce("volume:delete", owned_by(row["project_id"]), caller.creds)
    cascade = request.query_params.get("cascade", "false").lower()
    if cascade not in TRUTH:
        raise InvalidInput(f"Invalid input received: Invalid value '{cascade}' for cascade.")
    cloud.volumes.delete(caller.ctx, row["id"], cascade=TRUTH[cascade])
    return Response(status_code=202)
