"""Networking `/network/v2.0/floatingips`: addresses of the external pool, allocated to a project
(counted as `floating_ips`, 409 OverQuota past the limit as Neutron answers) and associated
with one of the project's ports (the network agent turns that into NAT rules).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import (
    EXTERNAL_NETWORK_ID,
    EXTERNAL_SUBNET_ID,
    PREFIX,
    floating_body,
    floating_row,
    is_external,
    neutron_quota,
    owned_by,
    parse_ref,
    project_filter,
    target,
    views,
    visible,
)
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.responses.network import FloatingIpFieldsShow, FloatingIpList, FloatingIpShow
from api.routers.network_networks import matches, selected
from domain.errors import InvalidInput, NotFound
from projections.routers import RouterViews
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["network: floating IPs"])

RULES = [
    policy.RuleDefault("get_floatingip", "rule:admin_or_reader"),
    policy.RuleDefault("create_floatingip", "rule:admin_or_member"),
    policy.RuleDefault("create_floatingip:floating_ip_address", "rule:admin_or_member"),
    policy.RuleDefault("update_floatingip", "rule:admin_or_member"),
    policy.RuleDefault("delete_floatingip", "rule:admin_or_member"),
]

Text = Field(default=None, max_length=255)


class FloatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    floating_network_id: str | None = Text
    subnet_id: str | None = Text
    port_id: str | None = Text
    fixed_ip_address: str | None = Text
    floating_ip_address: str | None = Text
    description: str | None = Text
    project_id: str | None = Text
    tenant_id: str | None = Text


class FloatingCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    floatingip: FloatingCreate


class FloatingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    port_id: str | None = Text
    fixed_ip_address: str | None = Text
    description: str | None = Text


class FloatingUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    floatingip: FloatingUpdate


def body_of(cloud: CloudServices, row: Row | dict[str, Any]) -> dict[str, Any]:
    """The floating IP's body; an associated one names the router its port's network reaches
    the external network through (none when no router joins it)."""
    router_id = None
    if row.get("port_id") and row.get("network_id"):
        router_id = RouterViews(cloud.store).router_serving(
            row["network_id"], row.get("floating_network_id") or EXTERNAL_NETWORK_ID)
    return floating_body(row, router_id)


def shown(cloud: CloudServices, floating: Any) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = views(cloud).floating_ip(floating.id.hex)
    return {"floatingip": body_of(cloud, row if row is not None else floating_row(floating))}


def port_for(cloud: CloudServices, caller: Caller, port_ref: str, project_id: str,
             fixed_ip: str | None) -> str:
    """The hex id of a port the floating IP may map to: visible to the caller (else 404), of
    the floating IP's project, and holding `fixed_ip` if one is named."""
    port = cloud.ports.port(caller.ctx, parse_ref(port_ref, "Port"))
    if port.project_id != project_id:
        raise InvalidInput(f"Port {port_ref} belongs to another project than the floating IP.")
    if fixed_ip is not None and fixed_ip not in {f["ip_address"] for f in port.fixed_ips}:
        raise InvalidInput(f"Port {port_ref} does not have fixed ip {fixed_ip}.")
    return port.id.hex


def floating_source(cloud: CloudServices, caller: Caller,
                    req: FloatingCreate) -> tuple[str, str | None]:
    """The external network (hex) and subnet (hex or None) a new floating IP comes from: the
    `public` pool unless a `router:external` network is named (404 unseen, 400 internal)."""
    if req.floating_network_id is None or is_external(req.floating_network_id):
        if req.subnet_id is not None and parse_ref(req.subnet_id, "Subnet") != EXTERNAL_SUBNET_ID:
            raise InvalidInput(f"Bad floatingip request: Subnet {req.subnet_id} is not a "
                               "subnet of the external network.")
        return EXTERNAL_NETWORK_ID, None
    network = views(cloud).network(parse_ref(req.floating_network_id, "Network"))
    if network is None or (network["project_id"] != caller.project_id and not caller.is_admin
                           and not network["attrs"]["router:external"]):
        raise NotFound(f"Network {req.floating_network_id} could not be found.")
    if not network["attrs"]["router:external"]:
        raise InvalidInput(f"Bad floatingip request: Network {req.floating_network_id} is not "
                           "a valid external network.")
    subnet_id = None if req.subnet_id is None else parse_ref(req.subnet_id, "Subnet")
    return str(network["id"]), subnet_id


def visible_floating(cloud: CloudServices, caller: Caller, ref: str) -> dict[str, Any]:
    row = views(cloud).floating_ip(parse_ref(ref, "Floating IP"))
    return visible(row, caller, "Floating IP", ref)


FILTERS = ("floating_ip_address", "fixed_ip_address", "port_id", "status", "router_id",
           "floating_network_id", "id")


@router.get("/floatingips", response_model=FloatingIpList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_floatingip", owned_by(caller.project_id or ""), caller.creds)
    params = request.query_params
    bodies = [body_of(cloud, r)
              for r in views(cloud).floating_ips(project_filter(params, caller))]
    return {"floatingips": [selected(b, params) for b in bodies if matches(b, params, FILTERS)]}


@router.post("/floatingips", status_code=201, response_model=FloatingIpShow)
def create(body: FloatingCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    req = body.floatingip
    if req.project_id and req.tenant_id and req.project_id != req.tenant_id:
        raise InvalidInput("'project_id' and 'tenant_id' do not match.")
    project_id = req.project_id or req.tenant_id or caller.project_id
    if not project_id:
        raise InvalidInput("A floating IP needs a project: use a project-scoped token.")
    owner = owned_by(project_id)
    engine.enforce("create_floatingip", owner, caller.creds)
    network_id, subnet_id = floating_source(cloud, caller, req)
    if req.floating_ip_address is not None:
        engine.enforce("create_floatingip:floating_ip_address", owner, caller.creds)
    port_id = None
    if req.port_id is not None:
        port_id = port_for(cloud, caller, req.port_id, project_id, req.fixed_ip_address)
    elif req.fixed_ip_address is not None:
        raise InvalidInput("fixed_ip_address needs a port_id.")
    with neutron_quota():
        floating = cloud.floating_ips.allocate(caller.ctx, project_id, req.floating_ip_address,
                                               network_id, subnet_id)
    if port_id is not None:
        try:
            floating = cloud.floating_ips.associate(caller.ctx, floating.id.hex, port_id,
                                                    req.fixed_ip_address)
        except Exception:
            # Two commands, not one: give the address back rather than leave it allocated.
            cloud.floating_ips.release(caller.ctx, floating.id.hex)
            raise
    return shown(cloud, floating)


@router.get("/floatingips/{floating_ip_id}", response_model=FloatingIpFieldsShow)
def show(floating_ip_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_floating(cloud, caller, floating_ip_id)
    engine.enforce("get_floatingip", target(row), caller.creds)
    return {"floatingip": selected(body_of(cloud, row), request.query_params)}


@router.put("/floatingips/{floating_ip_id}", response_model=FloatingIpShow)
def update(floating_ip_id: str, body: FloatingUpdateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = visible_floating(cloud, caller, floating_ip_id)
    engine.enforce("update_floatingip", target(row), caller.creds)
    req = body.floatingip
    if "port_id" not in req.model_fields_set:
        if req.fixed_ip_address is not None:
            raise InvalidInput("fixed_ip_address needs a port_id.")
        return {"floatingip": body_of(cloud, row)}
    if req.port_id is None:
        floating = cloud.floating_ips.disassociate(caller.ctx, row["id"])
    else:
        port_id = port_for(cloud, caller, req.port_id, row["project_id"], req.fixed_ip_address)
        floating = cloud.floating_ips.associate(caller.ctx, row["id"], port_id,
                                                req.fixed_ip_address)
    return shown(cloud, floating)


@router.delete("/floatingips/{floating_ip_id}", status_code=204)
def delete(floating_ip_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    row = visible_floating(cloud, caller, floating_ip_id)
    engine.enforce("delete_floatingip", target(row), caller.creds)
    cloud.floating_ips.release(caller.ctx, row["id"])
    return Response(status_code=204)
