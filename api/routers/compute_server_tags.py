"""Compute `/servers/{id}/tags[/{tag}]` (microversion 2.26 on; below, the routes are not
there): a server's tags, read from the servers read model and changed through the Instance
aggregate. Adding a tag the server has is a 204, a new one a 201 with its Location; the 51st
tag is Nova's 400, a server outside ACTIVE, PAUSED, SUSPENDED or STOPPED a 409."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_servers import TAG_PATTERN, Tag, enforce_on, find_server
from domain.errors import InvalidInput, NotFound
from domain.services.compute.actions import MAX_TAGS

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])

_RULE = "os_compute_api:os-server-tags:%s"
RULES = [policy.RuleDefault(_RULE % "index", "rule:admin_or_reader"),
         policy.RuleDefault(_RULE % "show", "rule:admin_or_reader"),
         *(policy.RuleDefault(_RULE % name, "rule:admin_or_member")
           for name in ("update", "update_all", "delete", "delete_all"))]

class TagsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: list[Tag] = Field(max_length=MAX_TAGS)


def _target(cloud: CloudDep, caller: CallerDep, engine: PolicyDep, version: Version,
            server_id: str, rule: str) -> dict[str, Any]:
    if version < "2.26":
        raise NotFound("The resource could not be found.")
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, _RULE % rule, caller, server)
    return server


def tags_of(server: dict[str, Any]) -> list[str]:
    return list(server.get("tags") or [])


@router.get("/servers/{server_id}/tags")
def index(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    return {"tags": tags_of(_target(cloud, caller, engine, version, server_id, "index"))}


@router.get("/servers/{server_id}/tags/{tag}", status_code=204)
def show(server_id: str, tag: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> Response:
    if tag not in tags_of(_target(cloud, caller, engine, version, server_id, "show")):
        raise NotFound(f"Server {server_id} has no tag '{tag}'")
    return Response(status_code=204)


@router.put("/servers/{server_id}/tags")
def update_all(server_id: str, body: TagsBody, cloud: CloudDep, caller: CallerDep,
               engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    server = _target(cloud, caller, engine, version, server_id, "update_all")
    cloud.actions.set_tags(caller.ctx, server["id"], body.tags)
    return {"tags": list(dict.fromkeys(body.tags))}


@router.put("/servers/{server_id}/tags/{tag}", status_code=201)
def update(server_id: str, tag: str, request: Request, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> Response:
    server = _target(cloud, caller, engine, version, server_id, "update")
    if not re.fullmatch(TAG_PATTERN, tag):
        raise InvalidInput(f"Tag '{tag}' is invalid. It must be a non empty string without "
                           "characters '/' and ','.")
    if not cloud.actions.set_tags(caller.ctx, server["id"], [tag], add=True):
        return Response(status_code=204)
    return Response(status_code=201, headers={"Location": str(request.url)})


@router.delete("/servers/{server_id}/tags/{tag}", status_code=204)
def delete(server_id: str, tag: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> Response:
    server = _target(cloud, caller, engine, version, server_id, "delete")
    cloud.actions.delete_tags(caller.ctx, server["id"], tag)
    return Response(status_code=204)


@router.delete("/servers/{server_id}/tags", status_code=204)
def delete_all(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
               version: ComputeVersion) -> Response:
    server = _target(cloud, caller, engine, version, server_id, "delete_all")
    cloud.actions.delete_tags(caller.ctx, server["id"])
    return Response(status_code=204)

