"""Compute `/servers/{id}/shares` (2.97): attaching Manila shares to a server through virtiofs.

There is no share service here and no host offers virtiofs (Nova's COMPUTE_STORAGE_VIRTIO_FS
trait), so this answers as Nova does on such a cloud: a server has no share attachments (an
empty list; a share id is Nova's 404 ShareNotFound), and an attach is refused where Nova refuses
it, after its state check (a server not stopped: 409), by hw.check_shares_supported (409
ForbiddenSharesNotConfiguredCorrectly), before any share service is asked. Nothing is recorded;
no share is ever made up. Before 2.97 the routes do not exist (404)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_servers import enforce_on, find_server
from api.strict_query import check_known
from domain.errors import InvalidState, NotFound

router = APIRouter(prefix="/compute/v2.1", tags=["compute: server shares"])
ROOT = "os_compute_api:os-server-shares:"
RULES = [policy.RuleDefault(f"{ROOT}index", "rule:admin_or_reader"),
         policy.RuleDefault(f"{ROOT}create", "rule:admin_or_member"),
         policy.RuleDefault(f"{ROOT}show", "rule:admin_or_reader"),
         policy.RuleDefault(f"{ROOT}delete", "rule:admin_or_member")]
SINCE = "2.97"
NOT_CONFIGURED = ("Feature not supported because either compute or instance are not "
                  "configured correctly.")


class ShareAttach(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share_id: UUID
    tag: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9-]*$")] = ""


class ShareAttachRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: ShareAttach


def offered(version: Version) -> None:
    if version < SINCE:
        raise NotFound("The resource could not be found.")


def share_not_found(share_id: str) -> NotFound:
    return NotFound(f"Share {share_id} could not be found.")


def check_state(server: dict[str, Any], action: str, allowed: tuple[str, ...]) -> None:
    if server["vm_state"] not in allowed:
        raise InvalidState(f"Cannot '{action}' instance {UUID(server['id'])} while it is in "
                           f"vm_state {server['vm_state']}")


@router.get("/servers/{server_id}/shares")
def index(server_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: ComputeVersion) -> dict[str, list[Any]]:
    offered(version)
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{ROOT}index", caller, server)
    check_known(request.query_params.keys(), frozenset())
    return {"shares": []}


@router.post("/servers/{server_id}/shares", status_code=201,
             responses={409: {"description": "No host here can attach a share"}})
def create(server_id: str, body: ShareAttachRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> None:
    offered(version)
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{ROOT}create", caller, server)
    check_state(server, "create share", ("stopped",))
    raise InvalidState(NOT_CONFIGURED)


@router.get("/servers/{server_id}/shares/{share_id}")
def show(server_id: str, share_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: ComputeVersion) -> None:
    offered(version)
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{ROOT}show", caller, server)
    check_known(request.query_params.keys(), frozenset())
    raise share_not_found(share_id)


@router.delete("/servers/{server_id}/shares/{share_id}", status_code=200)
def delete(server_id: str, share_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> None:
    offered(version)
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{ROOT}delete", caller, server)
    check_state(server, "delete share", ("stopped", "error"))
    raise share_not_found(share_id)
