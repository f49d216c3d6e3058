"""Block Storage `/snapshots/{id}/metadata`: a snapshot's metadata as a whole (show, merge with
POST, replace with PUT) and item by item, as for volumes (volume_metadata.py). Every change is
the snapshot's `Updated` event with the whole new metadata."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy

from api.bodies.volume_snapshots import visible_snapshot
from api.bodies.volumes import PREFIX, check_path_project
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.routers.compute_servers import caught_up
from api.routers.volume_metadata import ItemBody, MetadataBody
from api.routers.volumes import owned_by
from domain.errors import InvalidInput, NotFound
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["volume: snapshot metadata"])

RULES = [
    policy.RuleDefault("volume:get_snapshot_metadata", "rule:admin_or_reader"),
    policy.RuleDefault("volume:update_snapshot_metadata", "rule:admin_or_member"),
    policy.RuleDefault("volume:delete_snapshot_metadata", "rule:admin_or_member"),
]


def allowed(cloud: CloudServices, caller: CallerDep, engine: PolicyDep, project_id: str,
            snapshot_id: str, action: str) -> Row:
    check_path_project(project_id, caller)
    row = visible_snapshot(cloud, caller, snapshot_id)
    engine.enforce(f"volume:{action}_snapshot_metadata", owned_by(row["project_id"]),
                   caller.creds)
    return row


def recorded(cloud: CloudServices, caller: CallerDep, row: Row,
             metadata: dict[str, str]) -> dict[str, str]:
    snapshot = cloud.volume_snapshots.update(caller.ctx, row["id"], {"metadata": metadata})
    caught_up(cloud)
    return dict(snapshot.metadata)


def _missing(snapshot_id: str, key: str) -> NotFound:
    return NotFound(f"Snapshot {snapshot_id} has no metadata with key {key}.")


@router.get("/snapshots/{snapshot_id}/metadata")
def show(project_id: str, snapshot_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = allowed(cloud, caller, engine, project_id, snapshot_id, "get")
    return {"metadata": dict(row["metadata"] or {})}


@router.post("/snapshots/{snapshot_id}/metadata")
def merge(project_id: str, snapshot_id: str, body: MetadataBody, cloud: CloudDep,
          caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = allowed(cloud, caller, engine, project_id, snapshot_id, "update")
    return {"metadata": recorded(cloud, caller, row,
                                 {**(row["metadata"] or {}), **body.metadata})}


@router.put("/snapshots/{snapshot_id}/metadata")
def replace(project_id: str, snapshot_id: str, body: MetadataBody, cloud: CloudDep,
            caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = allowed(cloud, caller, engine, project_id, snapshot_id, "update")
    return {"metadata": recorded(cloud, caller, row, dict(body.metadata))}


@router.get("/snapshots/{snapshot_id}/metadata/{key}")
def show_item(project_id: str, snapshot_id: str, key: str, cloud: CloudDep,
              caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = allowed(cloud, caller, engine, project_id, snapshot_id, "get")
    metadata = row["metadata"] or {}
    if key not in metadata:
        raise _missing(snapshot_id, key)
    return {"meta": {key: metadata[key]}}


@router.put("/snapshots/{snapshot_id}/metadata/{key}")
def update_item(project_id: str, snapshot_id: str, key: str, body: ItemBody,
                cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    if list(body.meta) != [key]:
        raise InvalidInput("Request body and URI mismatch" if key not in body.meta
                           else "Request body contains too many items")
    row = allowed(cloud, caller, engine, project_id, snapshot_id, "update")
    recorded(cloud, caller, row, {**(row["metadata"] or {}), **body.meta})
    return {"meta": dict(body.meta)}


@router.delete("/snapshots/{snapshot_id}/metadata/{key}")
def delete_item(project_id: str, snapshot_id: str, key: str, cloud: CloudDep,
                caller: CallerDep, engine: PolicyDep) -> Response:
    row = allowed(cloud, caller, engine, project_id, snapshot_id, "delete")
    metadata = dict(row["metadata"] or {})
    if metadata.pop(key, None) is None:
        raise _missing(snapshot_id, key)
    recorded(cloud, caller, row, metadata)
    return Response(status_code=200)
