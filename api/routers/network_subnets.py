"""Networking `/network/v2.0/subnets`: users' own CIDRs on their networks (several per network,
IPv4 and IPv6), the subnet carved for an auto-made project network, and the external pool's.

A subnet is recorded on its network's aggregate (domain/services/network/subnets.py); the read
model names the network a subnet id belongs to, and the aggregate then has the last word.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import (
    EXTERNAL_SUBNET_ID,
    PREFIX,
    external_subnet_body,
    is_external,
    neutron_quota,
    owned_by,
    parse_ref,
    project_filter,
    subnet_body,
    tagged,
    target,
    views,
    visible,
)
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.network_bulk import create_all, parse_body
from api.network_lists import listed, selected
from api.policy import PolicyEngine
from api.responses.network import SubnetBulk, SubnetFieldsShow, SubnetList, SubnetShow
from domain.errors import InvalidInput, NotFound
from domain.network.subnet_build import UNSET, SubnetRequest
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["network: subnets"])

RULES = [
    policy.RuleDefault("get_subnet", "rule:admin_or_reader"),
    policy.RuleDefault("create_subnet", "rule:admin_or_member"),
    policy.RuleDefault("update_subnet", "rule:admin_or_member"),
    policy.RuleDefault("delete_subnet", "rule:admin_or_member"),
]

SUBNET_FILTERS = ("id", "name", "network_id", "cidr", "gateway_ip", "ip_version", "enable_dhcp",
                  "project_id", "tenant_id", "ipv6_ra_mode", "ipv6_address_mode",
                  "description", "subnetpool_id")


class SubnetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network_id: str = Field(max_length=64)
    cidr: str | None = Field(default=None, max_length=64)
    ip_version: int = 4
    name: str = Field(default="", max_length=255)
    description: str = Field(default="", max_length=255)
    gateway_ip: str | None = Field(default=None, max_length=64)
    allocation_pools: list[dict[str, Any]] | None = None
    dns_nameservers: list[str] = Field(default_factory=list)
    host_routes: list[dict[str, Any]] = Field(default_factory=list)
    enable_dhcp: bool = True
    ipv6_ra_mode: str | None = None
    ipv6_address_mode: str | None = None
    project_id: str | None = Field(default=None, max_length=64)
    tenant_id: str | None = Field(default=None, max_length=64)
    service_types: list[str] = Field(default_factory=list)
    subnetpool_id: str | None = None
    prefixlen: int | None = None
    segment_id: str | None = None
    use_default_subnetpool: bool = False
    dns_publish_fixed_ip: bool = False


class SubnetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    gateway_ip: str | None = Field(default=None, max_length=64)
    allocation_pools: list[dict[str, Any]] | None = None
    dns_nameservers: list[str] | None = None
    host_routes: list[dict[str, Any]] | None = None
    enable_dhcp: bool | None = None


class SubnetUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subnet: SubnetUpdate


def visible_networks(cloud: CloudServices, caller: Caller, params: Any) -> list[Row]:
    wanted = params.get("project_id") or params.get("tenant_id")
    return views(cloud).networks(project_filter(params, caller),
                                 None if wanted or caller.is_admin else caller.project_id)


def find_subnet(cloud: CloudServices, caller: Caller, ref: str) -> dict[str, Any]:
    """The subnet, if the caller sees its network (else 404)."""
    wanted = parse_ref(ref, "Subnet")
    network_id = views(cloud).subnet_network(wanted)
    if network_id is not None:
        network = views(cloud).network(network_id)
        networks = [network] if network is not None else []
    else:  # a carved subnet: its id derives from its network's
        networks = visible_networks(cloud, caller, {})
    found = views(cloud).subnet(wanted, networks)
    if found is None:
        raise NotFound(f"Subnet {ref} could not be found.")
    network_row = next(n for n in networks if n["id"] == found["network_id"])
    visible(network_row, caller, "Network", ref)
    return {**found, "network": network_row}


def shown(cloud: CloudServices, caller: Caller, subnet_id: str) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    return tagged(cloud, "subnets", [subnet_body(find_subnet(cloud, caller, subnet_id))])[0]


@router.get("/subnets", response_model=SubnetList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_subnet", owned_by(caller.project_id or ""), caller.creds)
    params = request.query_params
    bodies = tagged(cloud, "subnets", [subnet_body(s) for s in views(cloud).subnets_of(
        visible_networks(cloud, caller, params))])
    if not (params.get("project_id") or params.get("tenant_id")):
        bodies.append(external_subnet_body(cloud.networks.config))
    return listed("subnets", bodies, params, SUBNET_FILTERS, str(request.url.path))


def request_of(sub: SubnetCreate) -> SubnetRequest:
    if sub.cidr is None and sub.subnetpool_id is None:
        raise InvalidInput("Invalid input: a subnet needs a 'cidr' or a 'subnetpool_id'.")
    pool = None if sub.subnetpool_id is None else parse_ref(sub.subnetpool_id, "Subnet pool")
    given = sub.model_fields_set
    return SubnetRequest(
        cidr=sub.cidr, ip_version=sub.ip_version, name=sub.name, description=sub.description,
        gateway_ip=sub.gateway_ip if "gateway_ip" in given else UNSET,
        allocation_pools=sub.allocation_pools if sub.allocation_pools is not None else UNSET,
        dns_nameservers=sub.dns_nameservers, host_routes=sub.host_routes,
        enable_dhcp=sub.enable_dhcp, ipv6_ra_mode=sub.ipv6_ra_mode,
        ipv6_address_mode=sub.ipv6_address_mode,
        extra={"service_types": sub.service_types} if sub.service_types else {},
        subnetpool_id=pool, prefixlen=sub.prefixlen)


def create_one(data: Any, cloud: CloudServices, caller: Caller,
               engine: PolicyEngine) -> dict[str, Any]:
    sub = parse_body(SubnetCreate, data)
    try:
        network_id = parse_ref(sub.network_id, "Network")
    except NotFound:
        raise InvalidInput(f"Invalid input for network_id. Reason: '{sub.network_id}' is not "
                           "a valid UUID.") from None
    if is_external(network_id):
        raise InvalidInput("The floating IP pool's network is configured, not given subnets.")
    network = visible(views(cloud).network(network_id), caller, "Network", sub.network_id)
    owners = {sub.project_id, sub.tenant_id} - {None}
    if owners and owners != {network["project_id"]} and not caller.is_admin:
        raise InvalidInput("A subnet belongs to its network's project.")
    engine.enforce("create_subnet", target(network), caller.creds)
    with neutron_quota():
        spec = cloud.subnets.create_subnet(caller.ctx, network["id"], request_of(sub))
    return shown(cloud, caller, spec.id)


@router.post("/subnets", status_code=201, response_model=SubnetShow | SubnetBulk)
def create(body: dict[str, Any], cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    return create_all(
        cloud, body, "subnet", "subnets", lambda data: create_one(data, cloud, caller, engine),
        lambda done: cloud.subnets.delete_subnet(
            caller.ctx, parse_ref(done["network_id"], "Network"), parse_ref(done["id"], "Subnet")))


@router.get("/subnets/{ref}", response_model=SubnetFieldsShow)
def show(ref: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    if parse_ref(ref, "Subnet") == EXTERNAL_SUBNET_ID:
        engine.enforce("get_subnet", owned_by(caller.project_id or ""), caller.creds)
        return {"subnet": selected(external_subnet_body(cloud.networks.config),
                                   request.query_params)}
    found = find_subnet(cloud, caller, ref)
    attrs = found["network"]["attrs"]
    public = attrs["shared"] or attrs["router:external"]
    engine.enforce("get_subnet", owned_by(caller.project_id or "") if public
                   else target(found), caller.creds)
    body = tagged(cloud, "subnets", [subnet_body(found)])[0]
    return {"subnet": selected(body, request.query_params)}


@router.put("/subnets/{ref}", response_model=SubnetShow)
def update(ref: str, body: SubnetUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    found = find_subnet(cloud, caller, ref)
    engine.enforce("update_subnet", target(found), caller.creds)
    changes = body.subnet.model_dump(exclude_unset=True)
    spec = cloud.subnets.update_subnet(caller.ctx, found["network_id"], found["id"], changes)
    return {"subnet": shown(cloud, caller, spec.id)}


@router.delete("/subnets/{ref}", status_code=204)
def delete(ref: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    found = find_subnet(cloud, caller, ref)
    engine.enforce("delete_subnet", target(found), caller.creds)
    cloud.subnets.delete_subnet(caller.ctx, found["network_id"], found["id"])
    return Response(status_code=204)
