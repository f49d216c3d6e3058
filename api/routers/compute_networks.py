"""Compute `/os-networks` and `/os-tenant-networks`: Nova's read-only proxies of the networks a
project sees (its own, shared and external ones), below 2.36 (404 from it).

Read from the network read model, in Nova's shape for Neutron networks: `label` is the name,
`cidr` the network's first subnet (a tenant network's is null, as Nova shows it). The external
pool floating IPs come from is listed too, as Neutron lists it to everyone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from oslo_policy import policy

from api.bodies.networks import EXTERNAL_NAME, EXTERNAL_NETWORK_ID
from api.bodies.servers import dashed
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import ComputeVersion, Version
from domain.errors import NotFound
from projections.network_queries import NetworkViews
from projections.store import Row

router = APIRouter(prefix="/compute/v2.1", tags=["compute: networks"])

RULES = [policy.RuleDefault(f"os_compute_api:{name}", "rule:admin_or_reader")
         for name in ("os-networks:list", "os-networks:view", "os-tenant-networks:list",
                      "os-tenant-networks:show")]


# The floating pool's network (api/bodies/networks.py), as a row of the network read model.
EXTERNAL = {"id": EXTERNAL_NETWORK_ID, "name": EXTERNAL_NAME, "cidr": ""}


def visible(cloud: CloudServices, caller: CallerDep, version: Version) -> list[Row]:
    if version >= "2.36":
        raise NotFound("The resource could not be found.")
    views = NetworkViews(cloud.store)
    if caller.is_admin:
        return [*views.networks(None), EXTERNAL]
    return [*views.networks(caller.project_id, visible_to=caller.project_id), EXTERNAL]


def one(rows: list[Row], network_id: str) -> Row:
    try:
        wanted = UUID(network_id).hex
    except ValueError:
        wanted = None
    for row in rows:
        if row["id"] == wanted:
            return row
    raise NotFound(f"Network {network_id} could not be found.")


def nova_networks(cloud: CloudServices, rows: list[Row]) -> list[dict[str, Any]]:
    first_cidr: dict[str, str] = {}
    for subnet in NetworkViews(cloud.store).subnets_of([r for r in rows if r is not EXTERNAL]):
        first_cidr.setdefault(subnet["network_id"], subnet["cidr"])
    return [{"id": dashed(r["id"]), "label": r["name"], "cidr": first_cidr.get(r["id"])}
            for r in rows]


def tenant_network(row: Row) -> dict[str, Any]:
    return {"id": dashed(row["id"]), "label": row["name"], "cidr": None}


def enforced(engine: PolicyDep, caller: CallerDep, rule: str) -> None:
    engine.enforce(f"os_compute_api:{rule}",
                   {"project_id": caller.project_id, "user_id": caller.user_id}, caller.creds)


@router.get("/os-networks")
def networks(cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
             version: ComputeVersion) -> dict[str, Any]:
    enforced(engine, caller, "os-networks:list")
    return {"networks": nova_networks(cloud, visible(cloud, caller, version))}


@router.get("/os-networks/{network_id}")
def network(network_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
            version: ComputeVersion) -> dict[str, Any]:
    enforced(engine, caller, "os-networks:view")
    return {"network": nova_networks(cloud, [one(visible(cloud, caller, version), network_id)])[0]}


@router.get("/os-tenant-networks")
def tenant_networks(cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                    version: ComputeVersion) -> dict[str, Any]:
    enforced(engine, caller, "os-tenant-networks:list")
    return {"networks": [tenant_network(r) for r in visible(cloud, caller, version)]}


@router.get("/os-tenant-networks/{network_id}")
def tenant_network_show(network_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                        version: ComputeVersion) -> dict[str, Any]:
    enforced(engine, caller, "os-tenant-networks:show")
    return {"network": tenant_network(one(visible(cloud, caller, version), network_id))}
