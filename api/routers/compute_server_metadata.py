"""Compute `/servers/{id}/metadata[/{key}]`: a server's metadata items, read from the servers
read model and changed through the Instance aggregate (merged there, so concurrent requests
keep each other's items). Nova's shapes: `{"metadata": {...}}` for the whole set, `{"meta":
{key: value}}` for one item; too many items are Nova's 403 quota error, a server busy with a
task or locked is a 409."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion
from api.routers.compute_servers import Metadata, enforce_on, find_server
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])

_RULE = "os_compute_api:server-metadata:%s"
RULES = [policy.RuleDefault(_RULE % "index", "rule:admin_or_reader"),
         policy.RuleDefault(_RULE % "show", "rule:admin_or_reader"),
         *(policy.RuleDefault(_RULE % name, "rule:admin_or_member")
           for name in ("create", "update", "update_all", "delete"))]


class MetadataBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metadata: Metadata


class MetaBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meta: Metadata = Field(min_length=1, max_length=1)


def _target(cloud: CloudDep, caller: CallerDep, engine: PolicyDep, server_id: str,
            rule: str) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, _RULE % rule, caller, server)
    return server


@router.get("/servers/{server_id}/metadata")
def index(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    return {"metadata": dict(_target(cloud, caller, engine, server_id, "index")["metadata"])}


@router.get("/servers/{server_id}/metadata/{key}")
def show(server_id: str, key: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    metadata = _target(cloud, caller, engine, server_id, "show")["metadata"]
    if key not in metadata:
        raise NotFound("Metadata item was not found")
    return {"meta": {key: metadata[key]}}


@router.post("/servers/{server_id}/metadata")
def create(server_id: str, body: MetadataBody, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    """Merges the items into the server's (200, as Nova answers it)."""
    server = _target(cloud, caller, engine, server_id, "create")
    return {"metadata": cloud.actions.set_metadata(caller.ctx, server["id"], body.metadata)}


@router.put("/servers/{server_id}/metadata")
def update_all(server_id: str, body: MetadataBody, cloud: CloudDep, caller: CallerDep,
               engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    """Replaces the server's metadata with these items."""
    server = _target(cloud, caller, engine, server_id, "update_all")
    return {"metadata": cloud.actions.set_metadata(caller.ctx, server["id"], body.metadata,
                                                   replace=True)}


@router.put("/servers/{server_id}/metadata/{key}")
def update(server_id: str, key: str, body: MetaBody, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    server = _target(cloud, caller, engine, server_id, "update")
    if key not in body.meta:
        raise InvalidInput("Request body and URI mismatch")
    cloud.actions.set_metadata(caller.ctx, server["id"], body.meta)
    return {"meta": body.meta}


@router.delete("/servers/{server_id}/metadata/{key}", status_code=204)
def delete(server_id: str, key: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> Response:
    server = _target(cloud, caller, engine, server_id, "delete")
    cloud.actions.delete_metadata_item(caller.ctx, server["id"], key)
    return Response(status_code=204)
