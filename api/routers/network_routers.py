"""Networking `/network/v2.0/routers`: Neutron routers (the `router`, `ext-gw-mode` and
`extraroute` extensions).

A router counts on its project's `router` quota (409 OverQuota past it). Its gateway takes an
address of the external network (`external_gateway_info`); setting `enable_snat` or choosing
`external_fixed_ips` is for admins, as in Neutron. `add_router_interface` joins a subnet
through a new port holding the subnet's gateway address, or through a free port of the
project's; those ports show in the port list (device_owner `network:router_interface`,
device_id the router) and go only with the interface (DELETE /ports is 409). A router with
interfaces cannot be deleted (409), nor may two of its interfaces overlap (400).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import (
    neutron_quota,
    owned_by,
    parse_ref,
    project_filter,
    tagged,
    target,
)
from api.bodies.networks import views as network_views
from api.bodies.routers import (
    GatewayIn,
    gateway_request,
    interface_body,
    router_body,
    router_views,
    shown_router,
    visible_router,
    wanted_gateway,
)
from api.deps import CallerDep, CloudDep, PolicyDep
from api.policy import PolicyEngine
from api.responses.routers import RouterFieldsShow, RouterInterface, RouterList, RouterShow
from api.routers.network_networks import matches, selected
from api.routers.network_security_groups import owner_of
from domain.errors import InvalidInput, NotFound
from domain.services.network.routers import UNSET

router = APIRouter(prefix="/network/v2.0", tags=["network: routers"])

RULES = [
    policy.RuleDefault("get_router", "rule:admin_or_reader"),
    policy.RuleDefault("create_router", "rule:admin_or_member"),
    policy.RuleDefault("update_router", "rule:admin_or_member"),
    policy.RuleDefault("delete_router", "rule:admin_or_member"),
    policy.RuleDefault("router:external_gateway_info:enable_snat", "rule:admin_api"),
    policy.RuleDefault("router:external_gateway_info:external_fixed_ips", "rule:admin_api"),
    # neutron/conf/policies/router.py: choosing a router's kind is for admins.
    *(policy.RuleDefault(f"{action}_router:{attribute}", "rule:admin_api")
      for action in ("create", "update") for attribute in ("distributed", "ha")),
]

FILTERS = ("id", "name", "description", "status", "project_id", "tenant_id")
Label = Field(default="", max_length=255)


class RouterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Label
    description: str = Label
    admin_state_up: bool = True
    external_gateway_info: GatewayIn | dict[str, Any] | None = None
    project_id: str | None = Field(default=None, max_length=255)
    tenant_id: str | None = Field(default=None, max_length=255)
    distributed: bool = False
    ha: bool = False


class RouterCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    router: RouterCreate


class RouterUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    admin_state_up: bool | None = None
    # `{}` or null clears the gateway (Neutron accepts both).
    external_gateway_info: GatewayIn | dict[str, Any] | None = None
    routes: list[dict[str, Any]] | None = None
    distributed: bool | None = None
    ha: bool | None = None


class RouterUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    router: RouterUpdate


class RoutesChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    routes: list[dict[str, Any]]


class RoutesChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    router: RoutesChange


class InterfaceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subnet_id: str | None = None
    port_id: str | None = None


def check_gateway_policy(gateway: GatewayIn | None, owner: dict[str, str], caller: Caller,
                         engine: PolicyEngine) -> None:
    """Neutron lets only admins choose SNAT or the gateway's addresses."""
    if gateway is not None and gateway.enable_snat is not None:
        engine.enforce("router:external_gateway_info:enable_snat", owner, caller.creds)
    if gateway is not None and gateway.external_fixed_ips is not None:
        engine.enforce("router:external_gateway_info:external_fixed_ips", owner, caller.creds)


def check_single_node(action: str, req: Any, owner: dict[str, Any], caller: Caller,
                      engine: PolicyEngine) -> None:
    """Only admins may name a router's kind (Neutron's 403 for others, whatever the value);
    a distributed or HA one is not made here."""
    for attribute in ("distributed", "ha"):
        if attribute in req.model_fields_set:
            engine.enforce(f"{action}_router:{attribute}", owner, caller.creds)
    if req.distributed or req.ha:
        raise InvalidInput("Distributed and HA routers are not supported: this cloud has no "
                           "dvr or l3-ha extension.")


@router.get("/routers", response_model=RouterList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    params = request.query_params
    engine.enforce("get_router", owned_by(caller.project_id or ""), caller.creds)
    bodies = tagged(cloud, "routers", [router_body(r) for r in router_views(cloud).routers(
        project_filter(params, caller))])
    return {"routers": [selected(b, params) for b in bodies if matches(b, params, FILTERS)]}


@router.post("/routers", status_code=201, response_model=RouterShow)
def create(body: RouterCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    req = body.router
    owner = owner_of(caller, req.project_id, req.tenant_id)
    engine.enforce("create_router", owned_by(owner), caller.creds)
    gateway = wanted_gateway(req.external_gateway_info)
    check_gateway_policy(gateway, owned_by(owner), caller, engine)
    check_single_node("create", req, owned_by(owner), caller, engine)
    with neutron_quota():
        made = cloud.routers.create_router(caller.ctx, owner, req.name, req.description,
                                           req.admin_state_up, gateway_request(gateway))
    return {"router": shown_router(cloud, made.id.hex)}


@router.get("/routers/{router_id}", response_model=RouterFieldsShow)
def show(router_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_router(cloud, caller, router_id)
    engine.enforce("get_router", target(row), caller.creds)
    body = tagged(cloud, "routers", [router_body(row)])[0]
    return {"router": selected(body, request.query_params)}


@router.put("/routers/{router_id}", response_model=RouterShow)
def update(router_id: str, body: RouterUpdateRequest, request: Request, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = visible_router(cloud, caller, router_id)
    engine.enforce("update_router", target(row), caller.creds)
    req = body.router
    check_single_node("update", req, target(row), caller, engine)
    gateway: Any = UNSET
    if "external_gateway_info" in req.model_fields_set:
        wanted = wanted_gateway(req.external_gateway_info)
        check_gateway_policy(wanted, target(row), caller, engine)
        gateway = gateway_request(wanted)
    # An explicit `routes: null` clears them, as in Neutron; absent leaves them.
    routes = [] if "routes" in req.model_fields_set and req.routes is None else req.routes
    cloud.routers.update_router(caller.ctx, row["id"], req.name, req.description,
                                req.admin_state_up, gateway, routes)
    return {"router": shown_router(cloud, row["id"])}


@router.delete("/routers/{router_id}", status_code=204)
def delete(router_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    row = visible_router(cloud, caller, router_id)
    engine.enforce("delete_router", target(row), caller.creds)
    cloud.routers.delete_router(caller.ctx, row["id"])
    return Response(status_code=204)


@router.put("/routers/{router_id}/add_router_interface", response_model=RouterInterface)
def add_interface(router_id: str, body: InterfaceRequest, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep) -> dict[str, Any]:
    row = visible_router(cloud, caller, router_id)
    engine.enforce("update_router", target(row), caller.creds)
    if (body.subnet_id is None) == (body.port_id is None):
        raise InvalidInput("Bad router request: Either subnet_id or port_id must be "
                           "specified, and not both.")
    if body.subnet_id is not None:
        subnet = parse_ref(body.subnet_id, "Subnet")
        network_id = network_views(cloud).subnet_network(subnet)
        if network_id is None:
            raise NotFound(f"Subnet {body.subnet_id} could not be found.")
        with neutron_quota():
            made, port_id = cloud.routers.add_subnet_interface(caller.ctx, row["id"],
                                                               network_id, subnet)
    else:
        made, port_id = cloud.routers.add_port_interface(caller.ctx, row["id"],
                                                         parse_ref(body.port_id, "Port"))
    cloud.catch_up_for_reads()
    return interface_body(made.project_id, made.id.hex, {"port_id": port_id,
                                                         **made.interfaces[port_id]})


@router.put("/routers/{router_id}/remove_router_interface", response_model=RouterInterface)
def remove_interface(router_id: str, body: InterfaceRequest, cloud: CloudDep,
                     caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    row = visible_router(cloud, caller, router_id)
    engine.enforce("update_router", target(row), caller.creds)
    port_id = None if body.port_id is None else parse_ref(body.port_id, "Port")
    subnet_id = None if body.subnet_id is None else parse_ref(body.subnet_id, "Subnet")
    made, interface = cloud.routers.remove_interface(caller.ctx, row["id"], port_id, subnet_id)
    cloud.catch_up_for_reads()
    return interface_body(made.project_id, made.id.hex, interface)


@router.put("/routers/{router_id}/add_extraroutes", response_model=RouterShow)
def add_routes(router_id: str, body: RoutesChangeRequest, cloud: CloudDep, caller: CallerDep,
               engine: PolicyDep) -> dict[str, Any]:
    return change_routes(router_id, body, cloud, caller, engine, add=True)


@router.put("/routers/{router_id}/remove_extraroutes", response_model=RouterShow)
def remove_routes(router_id: str, body: RoutesChangeRequest, cloud: CloudDep,
                  caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    return change_routes(router_id, body, cloud, caller, engine, add=False)


def change_routes(router_id: str, body: RoutesChangeRequest, cloud: Any, caller: Caller,
                  engine: PolicyEngine, add: bool) -> dict[str, Any]:
    row = visible_router(cloud, caller, router_id)
    engine.enforce("update_router", target(row), caller.creds)
    cloud.routers.change_routes(caller.ctx, row["id"], body.router.routes, add)
    return {"router": shown_router(cloud, row["id"])}
