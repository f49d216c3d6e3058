"""Networking `/network/v2.0/ports`: the ports Compute gives instances, and free ports made here.

Every port is a MAC and a fixed IP on a project network, counted on the project's `port` quota
(the ledger's `fixed_ips`) and allocated by the same domain path as an instance's port, so two
ports never get one address. A port made here is bound to no instance (Neutron shows it DOWN);
its `device_id`/`device_owner` are labels. An instance's port is the instance's NIC: deleting it
here is refused (409) because the instance still lists it; it goes with the server.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.network_views import (
    PREFIX,
    is_external,
    neutron_quota,
    owned_by,
    parse_ref,
    port_body,
    port_row,
    project_filter,
    stored_device_id,
    subnet_id,
    target,
    views,
    visible,
)
from api.responses.network import PortFieldsShow, PortList, PortShow
from api.routers.network_networks import matches, selected
from domain.errors import InvalidInput, NotFound
from domain.services.network.ports import PortRequest
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["network: ports"])

RULES = [
    policy.RuleDefault("get_port", "rule:admin_or_reader"),
    policy.RuleDefault("create_port", "rule:admin_or_member"),
    policy.RuleDefault("create_port:mac_address", "rule:admin_or_member"),
    policy.RuleDefault("create_port:fixed_ips:ip_address", "rule:admin_or_member"),
    policy.RuleDefault("update_port", "rule:admin_or_member"),
    policy.RuleDefault("delete_port", "rule:admin_or_member"),
]

# Filters the read model answers in SQL (ids as hex), and ones checked on the shown body.
SQL_FILTERS = {"network_id": "network_id", "id": "id"}
BODY_FILTERS = ("mac_address", "device_owner", "status", "name", "admin_state_up")

Label = Field(default="", max_length=255)


class FixedIp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ip_address: str | None = Field(default=None, max_length=64)
    subnet_id: str | None = Field(default=None, max_length=64)


class PortCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    network_id: str = Field(max_length=64)
    name: str = Label
    description: str = Label
    device_id: str = Label
    device_owner: str = Label
    mac_address: str | None = Field(default=None, max_length=64)
    fixed_ips: list[FixedIp] | None = None
    project_id: str | None = Field(default=None, max_length=64)
    tenant_id: str | None = Field(default=None, max_length=64)
    # Accepted with the only values skyledger's ports have (clients send the defaults).
    admin_state_up: bool = True
    port_security_enabled: bool = False
    security_groups: list[str] = Field(default_factory=list)
    vnic_type: str = Field(default="normal", alias="binding:vnic_type")


class PortCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    port: PortCreate


class PortUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    admin_state_up: bool = True


class PortUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    port: PortUpdate


def shown(cloud: CloudServices, port: Any) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = views(cloud).port(port.id.hex)
    return {"port": port_body(row if row is not None else port_row(port))}


def visible_port(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    return visible(views(cloud).port(parse_ref(ref, "Port")), caller, "Port", ref)


def check_supported(req: PortCreate) -> None:
    """What a port here cannot be: refused, rather than shown differently than asked."""
    if not req.admin_state_up:
        raise InvalidInput("A port that is administratively down is not supported.")
    if req.port_security_enabled or req.security_groups:
        raise InvalidInput("Port security and security groups are not supported.")
    if req.vnic_type != "normal":
        raise InvalidInput(f"binding:vnic_type {req.vnic_type} is not supported.")


def port_network(cloud: CloudServices, caller: Caller, req: PortCreate) -> Row:
    """The project network the port goes on, visible to the caller (else 404)."""
    try:
        network_id = parse_ref(req.network_id, "Network")
    except NotFound:
        raise InvalidInput(f"Invalid input for network_id. Reason: '{req.network_id}' is not "
                           "a valid UUID.") from None
    if is_external(network_id):
        raise InvalidInput("Ports on the external network are not supported: its addresses "
                           "are allocated through /floatingips.")
    network = visible(views(cloud).network(network_id), caller, "Network", req.network_id)
    owners = {req.project_id, req.tenant_id} - {None}
    if owners and owners != {network["project_id"]}:
        raise InvalidInput("A port belongs to its network's project: 'project_id' and "
                           "'tenant_id' must name it.")
    return network


def requested_address(network: Row, fixed_ips: list[FixedIp] | None) -> str | None:
    """The fixed IP asked for, if any: one entry at most, on the network's one subnet."""
    if fixed_ips is None:
        return None
    if len(fixed_ips) != 1:
        raise InvalidInput("A port has exactly one fixed IP, on its network's subnet: give "
                           "one fixed_ips entry, or none.")
    [entry] = fixed_ips
    if entry.subnet_id is not None:
        try:
            wanted = parse_ref(entry.subnet_id, "Subnet")
        except NotFound:
            wanted = None
        if wanted != subnet_id(network["id"]):
            raise InvalidInput(f"Invalid input for operation: Failed to create port on "
                               f"network {network['id']}, because fixed_ips included invalid "
                               f"subnet {entry.subnet_id}.")
    return entry.ip_address


@router.get("/ports", response_model=PortList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_port", owned_by(caller.project_id or ""), caller.creds)
    params = request.query_params
    filters: dict[str, str] = {}
    for key, column in SQL_FILTERS.items():
        if key in params:
            try:
                filters[column] = parse_ref(params[key], key)
            except NotFound:
                return {"ports": []}
    if "device_id" in params:  # an instance's uuid, or any label a free port was given
        filters["device_id"] = stored_device_id(params["device_id"])
    rows = views(cloud).ports(project_filter(params, caller), **filters)
    bodies = [port_body(r) for r in rows]
    return {"ports": [selected(b, params) for b in bodies
                      if matches(b, params, BODY_FILTERS)]}


@router.post("/ports", status_code=201, response_model=PortShow)
def create(body: PortCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    req = body.port
    network = port_network(cloud, caller, req)
    owner = target(network)
    engine.enforce("create_port", owner, caller.creds)
    check_supported(req)
    if req.mac_address is not None:
        engine.enforce("create_port:mac_address", owner, caller.creds)
    address = requested_address(network, req.fixed_ips)
    if address is not None:
        engine.enforce("create_port:fixed_ips:ip_address", owner, caller.creds)
    request = PortRequest(fixed_ip=address, mac=req.mac_address, name=req.name,
                          description=req.description,
                          device_id=stored_device_id(req.device_id),
                          device_owner=req.device_owner)
    with neutron_quota():
        port = cloud.ports.create_port(caller.ctx, network["id"], request)
    return shown(cloud, port)


@router.get("/ports/{port_id}", response_model=PortFieldsShow)
def show(port_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_port(cloud, caller, port_id)
    engine.enforce("get_port", target(row), caller.creds)
    return {"port": selected(port_body(row), request.query_params)}


@router.put("/ports/{port_id}", response_model=PortShow)
def update(port_id: str, body: PortUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    row = visible_port(cloud, caller, port_id)
    engine.enforce("update_port", target(row), caller.creds)
    req = body.port
    if not req.admin_state_up:
        raise InvalidInput("A port that is administratively down is not supported.")
    port = cloud.ports.update_port(caller.ctx, row["id"], req.name, req.description)
    return shown(cloud, port)


@router.delete("/ports/{port_id}", status_code=204)
def delete(port_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    row = visible_port(cloud, caller, port_id)
    engine.enforce("delete_port", target(row), caller.creds)
    cloud.ports.delete_port(caller.ctx, row["id"])
    return Response(status_code=204)
