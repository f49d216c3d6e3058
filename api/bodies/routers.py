"""Neutron v2.0 bodies of routers and router interfaces, from the routers read model, and
the gateway a request asks for, in the domain's terms."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.auth import Caller
from api.bodies.networks import dashed, owned_by, parse_ref, tagged, visible
from api.deps import CloudServices
from api.errors import describe_validation
from domain.errors import InvalidInput
from domain.network.addressing import FixedIpRequest
from domain.services.network.router_plans import GatewayRequest
from projections.base import from_json
from projections.routers import RouterViews
from projections.store import Row


class ExternalFixedIpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subnet_id: str | None = None
    ip_address: str | None = None


class GatewayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network_id: str = Field(max_length=255)
    enable_snat: bool | None = None
    external_fixed_ips: list[ExternalFixedIpIn] | None = None


def router_views(cloud: CloudServices) -> RouterViews:
    return RouterViews(cloud.store)


def visible_router(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    return visible(router_views(cloud).router(parse_ref(ref, "Router")), caller, "Router", ref)


def wanted_gateway(info: GatewayIn | dict[str, Any] | None) -> GatewayIn | None:
    """Neutron takes `{}` or null for "no gateway"; any other object must be a gateway."""
    if isinstance(info, dict):
        try:
            return GatewayIn.model_validate(info) if info else None
        except ValidationError as error:
            raise InvalidInput(describe_validation(error)) from None
    return info


def gateway_request(gateway: GatewayIn | None) -> GatewayRequest | None:
    """The domain's gateway request; None (or Neutron's `{}`) clears the gateway."""
    if gateway is None:
        return None
    fixed = None if gateway.external_fixed_ips is None else tuple(
        FixedIpRequest(subnet_id=None if f.subnet_id is None else parse_ref(f.subnet_id,
                                                                             "Subnet"),
                       ip_address=f.ip_address)
        for f in gateway.external_fixed_ips)
    return GatewayRequest(network_id=parse_ref(gateway.network_id, "Network"),
                          enable_snat=True if gateway.enable_snat is None
                          else gateway.enable_snat, fixed_ips=fixed)


def gateway_body(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if stored is None:
        return None
    return {"network_id": dashed(stored["network_id"]), "enable_snat": stored["enable_snat"],
            "external_fixed_ips": [{"subnet_id": dashed(f["subnet_id"]),
                                    "ip_address": f["ip_address"]}
                                   for f in stored["external_fixed_ips"]]}


def router_body(row: Row) -> dict[str, Any]:
    return {
        "id": dashed(row["id"]), "name": row["name"], "description": row["description"],
        "status": "ACTIVE", "admin_state_up": bool(row["admin_state_up"]),
        **owned_by(row["project_id"]),
        "external_gateway_info": gateway_body(from_json(row["gateway"])),
        "routes": from_json(row["routes"]) or [],
        # Neither distributed nor HA routers exist here (no dvr or l3-ha extension).
        "distributed": False, "ha": False,
        "availability_zone_hints": [], "availability_zones": ["nova"], "flavor_id": None,
        "tags": [], "revision_number": 0,
        "created_at": row["created_at"], "updated_at": row["updated_at"],
    }


def shown_router(cloud: CloudServices, router_id: str) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = router_views(cloud).router(router_id)
    assert row is not None, "a router just saved is in the read model after catching up"
    return tagged(cloud, "routers", [router_body(row)])[0]


def interface_body(project_id: str, router_id: str, interface: dict[str, str]) -> dict[str, Any]:
    return {"id": dashed(router_id), **owned_by(project_id),
            "port_id": dashed(interface["port_id"]),
            "subnet_id": dashed(interface["subnet_id"]),
            "subnet_ids": [dashed(interface["subnet_id"])],
            "network_id": dashed(interface["network_id"])}
