"""Compute `/os-snapshots`: Nova's proxy of the Block Storage snapshots, below 2.36 (404 from
it), as `/os-volumes` is of the volumes (api/routers/compute_volumes.py).

The same snapshot commands and read model as `/volume/v3/{project_id}/snapshots`, in Nova's
camel-case shape (the snapshot's size is its volume's, as Nova maps volume_size). A quota
refusal is Nova's 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict

from api.bodies.volume_snapshots import visible_snapshot
from api.bodies.volumes import dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_servers import caught_up
from api.routers.compute_volumes import proxied
from api.routers.volumes import owned_by
from domain.services.storage.snapshots import SnapshotRequest
from projections.store import Row
from projections.volume_snapshots import VolumeSnapshotViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: volume snapshots"])


class NovaSnapshotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume_id: str
    force: bool = False
    display_name: str | None = None
    display_description: str | None = None


class NovaSnapshotCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    snapshot: NovaSnapshotCreate


def nova_snapshot(row: Row) -> dict[str, Any]:
    return {"id": dashed(row["id"]), "volumeId": dashed(row["volume_id"]),
            "status": row["status"], "size": row["size"], "createdAt": row["created_at"],
            "displayName": row["name"], "displayDescription": row["description"]}


def project_snapshots(cloud: CloudServices, caller: CallerDep, engine: PolicyDep,
                      version: Version, limit: int | None, offset: int) -> dict[str, Any]:
    """The caller's project's, paged with `offset` and `limit` as Nova's common.limited."""
    proxied(version)
    engine.enforce("volume:get_all_snapshots", owned_by(caller.project_id), caller.creds)
    rows = VolumeSnapshotViews(cloud.store).list(caller.project_id)[offset:]
    return {"snapshots": [nova_snapshot(r) for r in (rows if limit is None else rows[:limit])]}


Limit = Annotated[int | None, Query(ge=0)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/os-snapshots")
def snapshot_list(cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                  version: ComputeVersion, limit: Limit = None,
                  offset: Offset = 0) -> dict[str, Any]:
    return project_snapshots(cloud, caller, engine, version, limit, offset)


@router.get("/os-snapshots/detail")
def snapshot_detail(cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                    version: ComputeVersion, limit: Limit = None,
                    offset: Offset = 0) -> dict[str, Any]:
    return project_snapshots(cloud, caller, engine, version, limit, offset)


@router.post("/os-snapshots")
def snapshot_create(body: NovaSnapshotCreateRequest, cloud: CloudDep, caller: CallerDep,
                    engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    engine.enforce("volume:create_snapshot", owned_by(caller.project_id), caller.creds)
    s = body.snapshot
    snapshot = cloud.volume_snapshots.create(caller.ctx, SnapshotRequest(
        volume_id=s.volume_id, name=s.display_name, description=s.display_description,
        metadata={}, force=s.force))
    caught_up(cloud)
    return {"snapshot": nova_snapshot(visible_snapshot(cloud, caller, snapshot.id.hex))}


@router.get("/os-snapshots/{snapshot_id}")
def snapshot_show(snapshot_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                  version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    row = visible_snapshot(cloud, caller, snapshot_id)
    engine.enforce("volume:get_snapshot", owned_by(row["project_id"]), caller.creds)
    return {"snapshot": nova_snapshot(row)}


@router.delete("/os-snapshots/{snapshot_id}", status_code=202)
def snapshot_delete(snapshot_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                    version: ComputeVersion) -> Response:
    proxied(version)
    row = visible_snapshot(cloud, caller, snapshot_id)
    engine.enforce("volume:delete_snapshot", owned_by(row["project_id"]), caller.creds)
    cloud.volume_snapshots.delete(caller.ctx, row["id"])
    return Response(status_code=202)
