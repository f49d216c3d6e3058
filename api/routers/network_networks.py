"""Networking `/network/v2.0/networks` and `/subnets`: project networks, each with one subnet,
plus the external network that stands for the floating IP pool.

A project network is made explicitly here or on a project's first boot (Compute, networks
"auto"); its segment (`provider:*`, shown to admins only, as Neutron does) and subnet are
claimed from the configured ranges. Subnets are read-only: each network's is carved for it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, CloudDep, PolicyDep
from api.errors import ApiError
from api.network_views import (
    EXTERNAL_SUBNET_ID,
    PREFIX,
    external_network_body,
    external_subnet_body,
    is_external,
    network_body,
    neutron_quota,
    owned_by,
    parse_ref,
    project_filter,
    subnet_body,
    subnet_id,
    target,
    views,
    visible,
)
from api.responses.network import (
    NetworkFieldsShow,
    NetworkList,
    NetworkShow,
    SubnetFieldsShow,
    SubnetList,
)
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix=PREFIX, tags=["network: networks"])

RULES = [
    policy.RuleDefault("get_network", "rule:admin_or_reader"),
    policy.RuleDefault("get_network:provider:network_type", "rule:admin_api"),
    policy.RuleDefault("get_network:provider:physical_network", "rule:admin_api"),
    policy.RuleDefault("get_network:provider:segmentation_id", "rule:admin_api"),
    policy.RuleDefault("create_network", "rule:admin_or_member"),
    policy.RuleDefault("create_network:provider:network_type", "rule:admin_api"),
    policy.RuleDefault("create_network:provider:segmentation_id", "rule:admin_api"),
    policy.RuleDefault("delete_network", "rule:admin_or_member"),
    policy.RuleDefault("get_subnet", "rule:admin_or_reader"),
]

TRUE = ("true", "1", "yes", "t")


class NetworkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=255)
    admin_state_up: bool = True
    shared: bool = False
    description: str = Field(default="", max_length=255)
    project_id: str | None = None
    tenant_id: str | None = None
    port_security_enabled: bool | None = None
    router_external: bool = Field(default=False, alias="router:external")
    network_type: str | None = Field(default=None, alias="provider:network_type")
    segmentation_id: int | None = Field(default=None, alias="provider:segmentation_id")


class NetworkCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network: NetworkCreate


def selected(body: dict[str, Any], params: Any) -> dict[str, Any]:
    """Neutron's `fields` query parameter: only the attributes asked for."""
    fields = params.getlist("fields") if hasattr(params, "getlist") else []
    return {k: v for k, v in body.items() if k in fields} if fields else body


def matches(body: dict[str, Any], params: Any, keys: tuple[str, ...]) -> bool:
    """Equality filters on the shown attributes (ids in any UUID spelling, booleans by word)."""
    for key in keys:
        if key not in params:
            continue
        wanted, value = params[key], body.get(key)
        if isinstance(value, bool):
            if (wanted.lower() in TRUE) != value:
                return False
        elif key.endswith("id") and value is not None:
            try:
                if parse_ref(wanted, key) != parse_ref(value, key):
                    return False
            except NotFound:
                return False
        elif str(value) != wanted:
            return False
    return True


NETWORK_FILTERS = ("id", "name", "router:external", "shared", "status", "admin_state_up")


@router.get("/networks", response_model=NetworkList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    params = request.query_params
    engine.enforce("get_network", owned_by(caller.project_id or ""), caller.creds)
    project = project_filter(params, caller)
    bodies = [network_body(r, caller, engine)
              for r in views(cloud).networks(project)]
    if not (params.get("project_id") or params.get("tenant_id")):
        bodies.append(external_network_body(caller, engine))
    return {"networks": [selected(b, params) for b in bodies
                         if matches(b, params, NETWORK_FILTERS)]}


@router.post("/networks", status_code=201, response_model=NetworkShow)
def create(body: NetworkCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    net = body.network
    if net.project_id and net.tenant_id and net.project_id != net.tenant_id:
        raise InvalidInput("'project_id' and 'tenant_id' do not match.")
    project_id = net.project_id or net.tenant_id or caller.project_id
    if not project_id:
        raise InvalidInput("A network needs a project: use a project-scoped token.")
    owner = owned_by(project_id)
    engine.enforce("create_network", owner, caller.creds)
    if net.shared or net.router_external:
        raise InvalidInput("Only project networks can be created: 'shared' and "
                           "'router:external' must be false.")
    if not net.admin_state_up:
        raise InvalidInput("A network that is administratively down is not supported.")
    config = cloud.networks.config
    if net.network_type is not None:
        engine.enforce("create_network:provider:network_type", owner, caller.creds)
        if net.network_type != config.segment_type:
            raise InvalidInput(f"Network type {net.network_type} is not supported; this "
                               f"cloud segments project networks by {config.segment_type}.")
    if net.segmentation_id is not None:
        engine.enforce("create_network:provider:segmentation_id", owner, caller.creds)
    with neutron_quota():
        network = cloud.networks.create_network(caller.ctx, project_id, net.name,
                                                segmentation_id=net.segmentation_id)
    cloud.catch_up_for_reads()
    row = views(cloud).network(network.id.hex)
    if row is None:  # the read model lags: answer from the aggregate
        row = {"id": network.id.hex, "project_id": project_id, "name": network.name,
               "segment_type": network.segment_type,
               "segmentation_id": network.segmentation_id, "cidr": network.cidr,
               "created_at": None}
    return {"network": network_body(row, caller, engine)}


@router.get("/networks/{network_id}", response_model=NetworkFieldsShow)
def show(network_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    if is_external(network_id):
        engine.enforce("get_network", owned_by(caller.project_id or ""), caller.creds)
        return {"network": selected(external_network_body(caller, engine),
                                    request.query_params)}
    row = visible(views(cloud).network(parse_ref(network_id, "Network")), caller, "Network",
                  network_id)
    engine.enforce("get_network", target(row), caller.creds)
    return {"network": selected(network_body(row, caller, engine), request.query_params)}


@router.delete("/networks/{network_id}", status_code=204)
def delete(network_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    if is_external(network_id):
        if not caller.is_admin:
            raise NotFound(f"Network {network_id} could not be found.")
        raise ApiError(409, f"Network {network_id} is the floating IP pool; it is configured, "
                            "not created, and cannot be deleted.")
    row = visible(views(cloud).network(parse_ref(network_id, "Network")), caller, "Network",
                  network_id)
    engine.enforce("delete_network", target(row), caller.creds)
    cloud.networks.delete_network(caller.ctx, row["id"])
    return Response(status_code=204)


# -- subnets --------------------------------------------------------------------------------------
SUBNET_FILTERS = ("id", "name", "network_id", "cidr", "gateway_ip", "ip_version", "enable_dhcp")


def subnet_bodies(request: Request, cloud: CloudDep, caller: CallerDep) -> list[dict[str, Any]]:
    params = request.query_params
    bodies = [subnet_body(r) for r in views(cloud).networks(project_filter(params, caller))]
    if not (params.get("project_id") or params.get("tenant_id")):
        bodies.append(external_subnet_body(cloud.networks.config))
    return bodies


@router.get("/subnets", response_model=SubnetList)
def subnets(request: Request, cloud: CloudDep, caller: CallerDep,
            engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_subnet", owned_by(caller.project_id or ""), caller.creds)
    params = request.query_params
    return {"subnets": [selected(b, params) for b in subnet_bodies(request, cloud, caller)
                        if matches(b, params, SUBNET_FILTERS)]}


@router.get("/subnets/{ref}", response_model=SubnetFieldsShow)
def subnet(ref: str, request: Request, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    wanted = parse_ref(ref, "Subnet")
    if wanted == EXTERNAL_SUBNET_ID:
        engine.enforce("get_subnet", owned_by(caller.project_id or ""), caller.creds)
        return {"subnet": selected(external_subnet_body(cloud.networks.config),
                                   request.query_params)}
    scope = None if caller.is_admin else caller.project_id
    for row in views(cloud).networks(scope):
        if subnet_id(row["id"]) == wanted:
            engine.enforce("get_subnet", target(row), caller.creds)
            return {"subnet": selected(subnet_body(row), request.query_params)}
    raise NotFound(f"Subnet {ref} could not be found.")
