"""Compute `/os-floating-ips` and `/os-floating-ip-pools`: Nova's proxies of the Network API's
floating IPs, below 2.36 (404 from it, as Nova).

The same FloatingIpService as `/floatingips` allocates and releases, so quota, events and the
network agent's NAT are shared; bodies are Nova's (`id`, `ip`, `pool`, `fixed_ip`,
`instance_id`) and so are its errors: an unknown pool or an empty one is a 404, the quota a 403.
A pool is an external network, `public` or one an admin made, named by its name or id.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.bodies.floating_pools import floating_pools, pool_name, pool_network
from api.bodies.networks import EXTERNAL_NAME, views
from api.bodies.servers import dashed
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.network_bulk import parse_body
from domain.errors import Forbidden, NotFound, QuotaExceeded
from domain.network.errors import PoolExhausted
from projections.store import Row

router = APIRouter(prefix="/compute/v2.1", tags=["compute: floating IPs"])

RULES = [policy.RuleDefault("os_compute_api:os-floating-ips:list", "rule:admin_or_reader"),
         policy.RuleDefault("os_compute_api:os-floating-ips:show", "rule:admin_or_reader"),
         policy.RuleDefault("os_compute_api:os-floating-ips:create", "rule:admin_or_member"),
         policy.RuleDefault("os_compute_api:os-floating-ips:delete", "rule:admin_or_member"),
         policy.RuleDefault("os_compute_api:os-floating-ip-pools:list", "rule:any_reader")]


class FloatingIpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pool: str | None = None


def _before_2_36(version: Version) -> None:
    if version >= "2.36":
        raise NotFound("The resource could not be found.")


def nova_body(row: Row | dict[str, Any]) -> dict[str, Any]:
    return {"id": dashed(row["id"]), "ip": row["address"], "pool": pool_name(row),
            "fixed_ip": row.get("fixed_ip"),
            "instance_id": dashed(row["instance_id"]) if row.get("instance_id") else None}


def _own(cloud: CloudDep, caller: CallerDep, floating_ip_id: str) -> Row:
    """The project's floating IP (any, for an admin), else Nova's 404."""
    try:
        row = views(cloud).floating_ip(UUID(floating_ip_id).hex)
    except ValueError:
        row = None
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Floating IP not found for ID {floating_ip_id}")
    return row


@router.get("/os-floating-ip-pools")
def pools(cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    _before_2_36(version)
    engine.enforce("os_compute_api:os-floating-ip-pools:list", {}, caller.creds)
    return {"floating_ip_pools": [{"name": name} for _, name in floating_pools(views(cloud))]}


@router.get("/os-floating-ips")
def index(cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    _before_2_36(version)
    engine.enforce("os_compute_api:os-floating-ips:list", {"project_id": caller.project_id},
                   caller.creds)
    return {"floating_ips": [nova_body(r) for r in views(cloud).floating_ips(caller.project_id)]}


@router.get("/os-floating-ips/{floating_ip_id}")
def show(floating_ip_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    _before_2_36(version)
    row = _own(cloud, caller, floating_ip_id)
    engine.enforce("os_compute_api:os-floating-ips:show", {"project_id": row["project_id"]},
                   caller.creds)
    return {"floating_ip": nova_body(row)}


@router.post("/os-floating-ips")
def create(cloud: CloudDep, caller: CallerDep, engine: PolicyDep, version: ComputeVersion,
           body: Annotated[Any, Body()] = None) -> dict[str, Any]:
    _before_2_36(version)
    pool = parse_body(FloatingIpCreate, body or {}).pool
    engine.enforce("os_compute_api:os-floating-ips:create", {"project_id": caller.project_id},
                   caller.creds)
    network_id, name = pool_network(views(cloud), pool or EXTERNAL_NAME)
    try:
        floating = cloud.floating_ips.allocate(caller.ctx, str(caller.project_id),
                                               network_id=network_id)
    except QuotaExceeded:
        raise Forbidden(f"IP allocation over quota in pool {name}.") from None
    except PoolExhausted:
        raise NotFound(f"No more floating IPs in pool {name}.") from None
    return {"floating_ip": nova_body({"id": floating.id.hex, "address": floating.address,
                                      "floating_network_id": network_id,
                                      "floating_network_name": name})}


@router.delete("/os-floating-ips/{floating_ip_id}", status_code=202)
def delete(floating_ip_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> Response:
    _before_2_36(version)
    row = _own(cloud, caller, floating_ip_id)
    engine.enforce("os_compute_api:os-floating-ips:delete", {"project_id": row["project_id"]},
                   caller.creds)
    cloud.floating_ips.release(caller.ctx, row["id"])
    return Response(status_code=202)
