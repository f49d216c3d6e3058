"""Compute `/servers/{id}/os-server-password`: the encrypted admin password a guest posted to
Nova's metadata service, for its owner to read and clear. skyledger's metadata service (the
network agent's, domain/process/network/metadata.py) takes no password posts yet, so no guest
has one: GET answers Nova's empty password and DELETE (which clears it in Nova) has nothing to
clear. Both check the server and the policy as Nova does."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion
from api.routers.compute_servers import enforce_on, find_server

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])

RULES = [policy.RuleDefault("os_compute_api:os-server-password:show", "rule:admin_or_reader"),
         policy.RuleDefault("os_compute_api:os-server-password:clear", "rule:admin_or_member")]


@router.get("/servers/{server_id}/os-server-password")
def show(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "os_compute_api:os-server-password:show", caller, server)
    return {"password": ""}


@router.delete("/servers/{server_id}/os-server-password", status_code=204)
def clear(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> Response:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "os_compute_api:os-server-password:clear", caller, server)
    return Response(status_code=204)
