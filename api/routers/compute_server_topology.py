"""Compute `/servers/{id}/topology` (2.78): the guest's NUMA cells and, for admins, the host
cells they are pinned to. No guest here is given a NUMA topology (the domain XML has no <numa>
cells and no flavor's hw:numa_* spec is applied), so every server answers what Nova answers for
a non-NUMA instance: no nodes and no page size."""

from __future__ import annotations

from fastapi import APIRouter
from oslo_policy import policy

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion
from api.responses.servers import ServerTopology
from api.routers.compute_servers import enforce_on, find_server
from domain.errors import NotFound

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])

RULES = [policy.RuleDefault("compute:server:topology:index", "rule:admin_or_reader"),
         policy.RuleDefault("compute:server:topology:host:index", "rule:admin_api")]


@router.get("/servers/{server_id}/topology")
def index(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> ServerTopology:
    if version < "2.78":
        raise NotFound("The resource could not be found.")
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, "compute:server:topology:index", caller, server)
    return ServerTopology(nodes=[], pagesize_kb=None)
