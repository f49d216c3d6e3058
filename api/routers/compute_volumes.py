"""Compute `/os-volumes`: Nova's proxy of the Block Storage API, below 2.36 (404 from it).

The same volume commands and read model as `/volume/v3` (api/routers/volumes.py), in Nova's
camel-case shape. Cinder's refusals keep Nova's statuses: a quota refusal is 403 here, as Nova
turns Cinder's 413 into it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.bodies.servers import dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import ComputeVersion, Version
from api.network_bulk import parse_body
from api.routers.compute_servers import caught_up
from api.routers.volumes import VolumeCreate, owned_by, visible, volume_request
from domain.errors import NotFound
from domain.storage.volume_type import DEFAULT_TYPE, DEFAULT_TYPE_ID
from projections.store import Row
from projections.volume_types import VolumeTypeViews
from projections.volumes import VolumeViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: volumes"])


class NovaVolumeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: Annotated[int, Field(ge=1)]
    display_name: Annotated[str, Field(max_length=255)] | None = None
    display_description: Annotated[str, Field(max_length=65535)] | None = None
    availability_zone: Annotated[str, Field(max_length=255)] | None = None
    volume_type: Annotated[str, Field(max_length=255)] | None = None
    metadata: dict[str, str] | None = None
    snapshot_id: str | None = None
    imageRef: str | None = None  # noqa: N815 - Nova's name


class NovaVolumeCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume: NovaVolumeCreate


def proxied(version: Version) -> None:
    if version >= "2.36":
        raise NotFound("The resource could not be found.")


def nova_volume(row: Row, type_names: dict[str, str]) -> dict[str, Any]:
    attachment = row["attachment"]
    attached = [{"id": dashed(row["id"]), "volumeId": dashed(row["id"]),
                 "serverId": dashed(attachment["server_id"]), "device": attachment["device"]}
                ] if attachment and attachment.get("attached_at") else [{}]
    return {"id": dashed(row["id"]), "status": row["status"], "size": row["size"],
            "availabilityZone": row["availability_zone"], "createdAt": row["created_at"],
            "displayName": row["name"], "displayDescription": row["description"],
            "volumeType": type_names.get(row.get("volume_type_id") or DEFAULT_TYPE_ID.hex,
                                         DEFAULT_TYPE),
            "snapshotId": dashed(row["snapshot_id"]) if row.get("snapshot_id") else None,
            "metadata": dict(row["metadata"] or {}), "attachments": attached}


def project_volumes(cloud: CloudServices, caller: CallerDep, engine: PolicyDep,
                    version: Version, limit: int | None, offset: int) -> dict[str, Any]:
    """Newest first; Nova pages the proxy with `offset` and `limit`."""
    proxied(version)
    engine.enforce("volume:get_all", owned_by(caller.project_id), caller.creds)
    rows = VolumeViews(cloud.store).list(caller.project_id)[offset:]
    names = VolumeTypeViews(cloud.store).names()
    return {"volumes": [nova_volume(r, names)
                        for r in (rows if limit is None else rows[:limit])]}


Limit = Annotated[int | None, Query(ge=0)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/os-volumes")
def volume_list(cloud: CloudDep, caller: CallerDep, engine: PolicyDep, version: ComputeVersion,
                limit: Limit = None, offset: Offset = 0) -> dict[str, Any]:
    return project_volumes(cloud, caller, engine, version, limit, offset)


@router.get("/os-volumes/detail")
def volume_detail(cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                  version: ComputeVersion, limit: Limit = None,
                  offset: Offset = 0) -> dict[str, Any]:
    return project_volumes(cloud, caller, engine, version, limit, offset)


@router.get("/os-volumes/")
def volume_nameless(caller: CallerDep, version: ComputeVersion) -> dict[str, Any]:
    """`/os-volumes/` names no volume: 404, as Nova's router answers (GET and DELETE)."""
    raise NotFound("The resource could not be found.")


@router.delete("/os-volumes/", status_code=202)
def volume_delete_nameless(caller: CallerDep, version: ComputeVersion) -> Response:
    raise NotFound("The resource could not be found.")


@router.post("/os-volumes")
def volume_create(body: NovaVolumeCreateRequest, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    engine.enforce("volume:create", owned_by(caller.project_id), caller.creds)
    wanted = body.volume
    # Cinder's model checks more than Nova's (its image reference, metadata sizes): what it
    # refuses is bad input too.
    request = volume_request(parse_body(VolumeCreate, dict(
        size=wanted.size, name=wanted.display_name, description=wanted.display_description,
        imageRef=wanted.imageRef, availability_zone=wanted.availability_zone,
        volume_type=wanted.volume_type, metadata=wanted.metadata,
        snapshot_id=wanted.snapshot_id)))  # a snapshot's copy: its service looks it up
    volume = cloud.volumes.create(caller.ctx, request)
    caught_up(cloud)
    return {"volume": nova_volume(visible(cloud, caller, volume.id.hex),
                                  VolumeTypeViews(cloud.store).names())}


@router.get("/os-volumes/{volume_id}")
def volume_show(volume_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    row = visible(cloud, caller, volume_id)
    engine.enforce("volume:get", owned_by(row["project_id"]), caller.creds)
    return {"volume": nova_volume(row, VolumeTypeViews(cloud.store).names())}


@router.delete("/os-volumes/{volume_id}", status_code=202)
def volume_delete(volume_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                  version: ComputeVersion) -> Response:
    proxied(version)
    row = visible(cloud, caller, volume_id)
    engine.enforce("volume:delete", owned_by(row["project_id"]), caller.creds)
    cloud.volumes.delete(caller.ctx, row["id"])
    return Response(status_code=202)
