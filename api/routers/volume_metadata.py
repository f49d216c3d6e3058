"""Block Storage `/volumes/{id}/metadata`: a volume's metadata as a whole (show, merge with
POST, replace with PUT) and item by item (`/metadata/{key}`). Every change is the volume's
`Updated` event with the whole new metadata, recorded by the volume service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.bodies.volumes import PREFIX, check_path_project
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.routers.compute_servers import caught_up
from api.routers.volumes import Metadata, owned_by, visible
from domain.errors import InvalidInput, NotFound
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["volume: metadata"])

RULES = [
    policy.RuleDefault("volume:get_volume_metadata", "rule:admin_or_reader"),
    policy.RuleDefault("volume:create_volume_metadata", "rule:admin_or_member"),
    policy.RuleDefault("volume:update_volume_metadata", "rule:admin_or_member"),
    policy.RuleDefault("volume:delete_volume_metadata", "rule:admin_or_member"),
]


class MetadataBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metadata: Metadata


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meta: Metadata


def allowed(cloud: CloudServices, caller: CallerDep, engine: PolicyDep, project_id: str,
            volume_id: str, action: str) -> Row:
    check_path_project(project_id, caller)
    row = visible(cloud, caller, volume_id)
    engine.enforce(f"volume:{action}_volume_metadata", owned_by(row["project_id"]),
                   caller.creds)
    return row


def recorded(cloud: CloudServices, caller: CallerDep, row: Row,
            metadata: dict[str, str]) -> dict[str, str]:
    volume = cloud.volumes.update(caller.ctx, row["id"], {"metadata": metadata})
    caught_up(cloud)
    return dict(volume.metadata)


@router.get("/volumes/{volume_id}/metadata")
def show(project_id: str, volume_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = allowed(cloud, caller, engine, project_id, volume_id, "get")
    return {"metadata": dict(row["metadata"] or {})}


@router.post("/volumes/{volume_id}/metadata")
def merge(project_id: str, volume_id: str, body: MetadataBody, cloud: CloudDep,
          caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    """Cinder's create: the keys given are added or changed, the others kept."""
    row = allowed(cloud, caller, engine, project_id, volume_id, "create")
    return {"metadata": recorded(cloud, caller, row,
                                {**(row["metadata"] or {}), **body.metadata})}


@router.put("/volumes/{volume_id}/metadata")
def replace(project_id: str, volume_id: str, body: MetadataBody, cloud: CloudDep,
            caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = allowed(cloud, caller, engine, project_id, volume_id, "update")
    return {"metadata": recorded(cloud, caller, row, dict(body.metadata))}


@router.get("/volumes/{volume_id}/metadata/{key}")
def show_item(project_id: str, volume_id: str, key: str, cloud: CloudDep,
              caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = allowed(cloud, caller, engine, project_id, volume_id, "get")
    metadata = row["metadata"] or {}
    if key not in metadata:
        raise NotFound(f"Volume {volume_id} has no metadata with key {key}.")
    return {"meta": {key: metadata[key]}}


@router.put("/volumes/{volume_id}/metadata/{key}")
def update_item(project_id: str, volume_id: str, key: str, body: ItemBody, cloud: CloudDep,
                caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    if list(body.meta) != [key]:
        raise InvalidInput("Request body and URI mismatch" if key not in body.meta
                           else "Request body contains too many items")
    row = allowed(cloud, caller, engine, project_id, volume_id, "update")
    recorded(cloud, caller, row, {**(row["metadata"] or {}), **body.meta})
    return {"meta": dict(body.meta)}


@router.delete("/volumes/{volume_id}/metadata/{key}")
def delete_item(project_id: str, volume_id: str, key: str, cloud: CloudDep,
                caller: CallerDep, engine: PolicyDep) -> Response:
    row = allowed(cloud, caller, engine, project_id, volume_id, "delete")
    metadata = dict(row["metadata"] or {})
    if metadata.pop(key, None) is None:
        raise NotFound(f"Volume {volume_id} has no metadata with key {key}.")
    recorded(cloud, caller, row, metadata)
    return Response(status_code=200)
