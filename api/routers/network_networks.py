"""Networking `/network/v2.0/networks`: project networks, shared and external ones made by
admins, plus the configured external network that stands for the floating IP pool.

A project's auto-made network (Compute, networks "auto") comes with a subnet carved from the
tenant supernet; a network made here starts with none, as in Neutron (subnets:
network_subnets.py). Segments (`provider:*`) are shown to admins only, as Neutron does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import (
    PREFIX,
    default_mtu,
    external_network_body,
    is_external,
    network_body,
    neutron_quota,
    owned_by,
    parse_ref,
    project_filter,
    tagged,
    target,
    views,
    visible,
)
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.errors import ApiError
from api.network_bulk import create_all, parse_body
from api.network_lists import listed, matches, selected
from api.policy import PolicyEngine
from api.responses.network import NetworkBulk, NetworkFieldsShow, NetworkList, NetworkShow
from domain.errors import InvalidInput, NotFound
from projections.store import Row

__all__ = ["matches", "selected", "router", "RULES"]  # matches/selected: older importers

router = APIRouter(prefix=PREFIX, tags=["network: networks"])

RULES = [
    policy.RuleDefault("get_network", "rule:admin_or_reader"),
    policy.RuleDefault("get_network:provider:network_type", "rule:admin_api"),
    policy.RuleDefault("get_network:provider:physical_network", "rule:admin_api"),
    policy.RuleDefault("get_network:provider:segmentation_id", "rule:admin_api"),
    policy.RuleDefault("create_network", "rule:admin_or_member"),
    policy.RuleDefault("create_network:shared", "rule:admin_api"),
    policy.RuleDefault("create_network:router:external", "rule:admin_api"),
    policy.RuleDefault("create_network:is_default", "rule:admin_api"),
    policy.RuleDefault("create_network:provider:network_type", "rule:admin_api"),
    policy.RuleDefault("create_network:provider:segmentation_id", "rule:admin_api"),
    policy.RuleDefault("update_network", "rule:admin_or_member"),
    policy.RuleDefault("update_network:shared", "rule:admin_api"),
    policy.RuleDefault("update_network:router:external", "rule:admin_api"),
    policy.RuleDefault("update_network:is_default", "rule:admin_api"),
    policy.RuleDefault("delete_network", "rule:admin_or_member"),
]

# The attributes that need a rule of their own to be set (Neutron: admins only by default).
GUARDED = ("shared", "router:external", "is_default")
MIN_MTU = 68


class NetworkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(default="", max_length=255)
    admin_state_up: bool = True
    shared: bool = False
    description: str = Field(default="", max_length=255)
    project_id: str | None = None
    tenant_id: str | None = None
    port_security_enabled: bool = True
    router_external: bool = Field(default=False, alias="router:external")
    is_default: bool = False
    mtu: int | None = None
    availability_zone_hints: list[str] = Field(default_factory=list)
    network_type: str | None = Field(default=None, alias="provider:network_type")
    physical_network: str | None = Field(default=None, alias="provider:physical_network")
    segmentation_id: int | None = Field(default=None, alias="provider:segmentation_id")


class NetworkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str | None = Field(default=None, max_length=255)
    admin_state_up: bool | None = None
    shared: bool | None = None
    description: str | None = Field(default=None, max_length=255)
    port_security_enabled: bool | None = None
    router_external: bool | None = Field(default=None, alias="router:external")
    is_default: bool | None = None
    mtu: int | None = None


class NetworkUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network: NetworkUpdate


def check_mtu(mtu: int | None, segment_type: str) -> None:
    if mtu is not None and not MIN_MTU <= mtu <= default_mtu(segment_type):
        raise InvalidInput(f"Requested MTU is too big or too small: {mtu}; it must be between "
                           f"{MIN_MTU} and {default_mtu(segment_type)}.")


def guarded(engine: PolicyEngine, action: str, changes: dict[str, Any], owner: dict[str, Any],
            caller: Caller) -> None:
    for key in GUARDED:
        if changes.get(key):
            engine.enforce(f"{action}_network:{key}", owner, caller.creds)


def with_subnets(cloud: CloudServices, rows: list[Row], caller: Caller,
                 engine: PolicyEngine) -> list[dict[str, Any]]:
    by_network: dict[str, list[str]] = {r["id"]: [] for r in rows}
    for subnet in views(cloud).subnets_of(rows):
        by_network[subnet["network_id"]].append(subnet["id"])
    return tagged(cloud, "networks",
                  [network_body(r, caller, engine, by_network[r["id"]]) for r in rows])


def network_shown(cloud: CloudServices, network: Any, caller: Caller,
                  engine: PolicyEngine) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = views(cloud).network(network.id.hex)
    if row is None:
        raise ApiError(503, "The network read model lags behind; please retry.")
    return with_subnets(cloud, [row], caller, engine)[0]


def readable(engine: PolicyEngine, row: Row, caller: Caller) -> None:
    """A shared or external network is read by anyone with a role on their own project."""
    public = row["attrs"]["shared"] or row["attrs"]["router:external"]
    engine.enforce("get_network", owned_by(caller.project_id or "") if public else target(row),
                   caller.creds)


NETWORK_FILTERS = ("id", "name", "router:external", "shared", "status", "admin_state_up",
                   "project_id", "tenant_id", "description", "mtu", "is_default")


@router.get("/networks", response_model=NetworkList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    params = request.query_params
    engine.enforce("get_network", owned_by(caller.project_id or ""), caller.creds)
    project = project_filter(params, caller)
    wanted = params.get("project_id") or params.get("tenant_id")
    rows = views(cloud).networks(project, None if wanted or caller.is_admin
                                 else caller.project_id)
    bodies = with_subnets(cloud, rows, caller, engine)
    if not wanted:
        bodies.append(external_network_body(caller, engine))
    return listed("networks", bodies, params, NETWORK_FILTERS, str(request.url.path))


def create_one(data: Any, cloud: CloudServices, caller: Caller,
               engine: PolicyEngine) -> dict[str, Any]:
    net = parse_body(NetworkCreate, data)
    if net.project_id and net.tenant_id and net.project_id != net.tenant_id:
        raise InvalidInput("'project_id' and 'tenant_id' do not match.")
    project_id = net.project_id or net.tenant_id or caller.project_id
    if not project_id:
        raise InvalidInput("A network needs a project: use a project-scoped token.")
    owner = owned_by(project_id)
    engine.enforce("create_network", owner, caller.creds)
    attributes = {"shared": net.shared, "router:external": net.router_external,
                  "admin_state_up": net.admin_state_up, "description": net.description,
                  "mtu": net.mtu, "port_security_enabled": net.port_security_enabled,
                  "is_default": net.is_default}
    guarded(engine, "create", attributes, owner, caller)
    config = cloud.networks.config
    check_mtu(net.mtu, config.segment_type)
    if net.network_type is not None:
        engine.enforce("create_network:provider:network_type", owner, caller.creds)
        if net.network_type != config.segment_type:
            raise InvalidInput(f"Network type {net.network_type} is not supported; this "
                               f"cloud segments project networks by {config.segment_type}.")
    if net.segmentation_id is not None:
        engine.enforce("create_network:provider:segmentation_id", owner, caller.creds)
    with neutron_quota():
        network = cloud.networks.create_network(caller.ctx, project_id, net.name,
                                                segmentation_id=net.segmentation_id,
                                                carve=False, attributes=attributes)
    return network_shown(cloud, network, caller, engine)


@router.post("/networks", status_code=201, response_model=NetworkShow | NetworkBulk)
def create(body: dict[str, Any], cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    return create_all(
        cloud, body, "network", "networks", lambda data: create_one(data, cloud, caller, engine),
        lambda done: cloud.networks.delete_network(caller.ctx, parse_ref(done["id"], "Network")))


@router.get("/networks/{network_id}", response_model=NetworkFieldsShow)
def show(network_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    if is_external(network_id):
        engine.enforce("get_network", owned_by(caller.project_id or ""), caller.creds)
        return {"network": selected(external_network_body(caller, engine),
                                    request.query_params)}
    row = visible(views(cloud).network(parse_ref(network_id, "Network")), caller, "Network",
                  network_id)
    readable(engine, row, caller)
    body = with_subnets(cloud, [row], caller, engine)[0]
    return {"network": selected(body, request.query_params)}


@router.put("/networks/{network_id}", response_model=NetworkShow)
def update(network_id: str, body: NetworkUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    if is_external(network_id):
        raise ApiError(409 if caller.is_admin else 404,
                       f"Network {network_id} is the configured floating IP pool; it cannot "
                       "be changed here.")
    row = visible(views(cloud).network(parse_ref(network_id, "Network")), caller, "Network",
                  network_id)
    engine.enforce("update_network", target(row), caller.creds)
    changes = body.network.model_dump(by_alias=True, exclude_unset=True)
    if any(changes.get(k) is None for k in changes if k not in ("mtu", "description")):
        raise InvalidInput("Invalid input: attributes of a network cannot be set to null.")
    guarded(engine, "update", {k: True for k in GUARDED if k in changes}, target(row), caller)
    check_mtu(changes.get("mtu"), row["segment_type"])
    network = cloud.networks.update_network(caller.ctx, row["id"], changes)
    return {"network": network_shown(cloud, network, caller, engine)}


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
