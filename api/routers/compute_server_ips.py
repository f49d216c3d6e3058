"""Compute `/servers/{id}/ips[/{network}]`: a server's addresses by network name, with only
their version and address (Nova's ips view; the server body's `addresses` has more)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from oslo_policy import policy

from api.bodies.servers import addresses
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion
from api.routers.compute_servers import enforce_on, find_server
from domain.errors import NotFound

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])

RULES = [policy.RuleDefault("os_compute_api:ips:index", "rule:admin_or_reader"),
         policy.RuleDefault("os_compute_api:ips:show", "rule:admin_or_reader")]


def plain(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"version": a["version"], "addr": a["addr"]} for a in found]


@router.get("/servers/{server_id}/ips")
def ips(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
        version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "os_compute_api:ips:index", caller, server)
    return {"addresses": {net: plain(found) for net, found in addresses(server).items()}}


@router.get("/servers/{server_id}/ips/{network_label}")
def ips_of_network(server_id: str, network_label: str, cloud: CloudDep, caller: CallerDep,
                   engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "os_compute_api:ips:show", caller, server)
    found = addresses(server)
    if network_label not in found:
        raise NotFound("Network could not be found")
    return {network_label: plain(found[network_label])}
