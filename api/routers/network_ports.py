"""Networking `/network/v2.0/ports`: the ports Compute gives instances, and free ports made here.

Every port is a MAC and its fixed IPs on its network's subnets (Neutron's defaults, or the
subnets and addresses asked for), counted on the project's `port` quota (the ledger's
`fixed_ips`) and allocated by the same domain path as an instance's port, so two ports never get
one address. admin_state_up and the binding attributes are recorded on the port (binding host
and profile are for admins, as in Neutron). A port made here is bound to no instance (Neutron
shows it DOWN); its `device_id`/`device_owner` are labels. An instance's port is the instance's
NIC: deleting it here is refused (409) because the instance still lists it; it goes with the
server.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy

from api.auth import Caller
from api.bodies.networks import (
    EXTERNAL_NETWORK_ID,
    PREFIX,
    is_external,
    neutron_quota,
    owned_by,
    parse_ref,
    port_body,
    port_row,
    project_filter,
    stored_device_id,
    tagged,
    target,
    views,
    visible,
)
from api.bodies.security_groups import group_refs, secured
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.network_bulk import create_all, parse_body
from api.network_lists import listed, selected, values
from api.policy import PolicyEngine
from api.port_requests import (
    PortCreate,
    PortUpdate,
    PortUpdateRequest,
    address_pair,
    check_supported,
    check_vnic,
    dhcp_options,
    fixed_ips_match,
    requested_ips,
)
from api.responses.network import PortBulk, PortFieldsShow, PortList, PortShow
from api.routers.network_dhcp_agent_scheduler import auto_dhcp_host
from domain.errors import InvalidInput, NotFound
from domain.services.network.ports import PortRequest
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["network: ports"])

RULES = [
    policy.RuleDefault("get_port", "rule:admin_or_reader"),
    policy.RuleDefault("create_port", "rule:admin_or_member"),
    policy.RuleDefault("create_port:mac_address", "rule:admin_or_member"),
    policy.RuleDefault("create_port:fixed_ips:ip_address", "rule:admin_or_member"),
    policy.RuleDefault("create_port:binding:host_id", "rule:admin_api"),
    policy.RuleDefault("create_port:binding:profile", "rule:admin_api"),
    policy.RuleDefault("update_port", "rule:admin_or_member"),
    policy.RuleDefault("update_port:fixed_ips:ip_address", "rule:admin_or_member"),
    policy.RuleDefault("update_port:binding:host_id", "rule:admin_api"),
    policy.RuleDefault("update_port:binding:profile", "rule:admin_api"),
    policy.RuleDefault("get_port:binding:host_id", "rule:admin_api"),
    policy.RuleDefault("delete_port", "rule:admin_or_member"),
]

# Filters the read model answers in SQL (ids as hex), and ones checked on the shown body.
SQL_FILTERS = {"network_id": "network_id", "id": "id"}
BODY_FILTERS = ("mac_address", "device_owner", "status", "name", "admin_state_up",
                "description", "project_id", "tenant_id", "binding:host_id",
                "binding:vnic_type")
# Attributes a port request may set, with the policy rule an attribute needs beyond the
# request's own (Neutron: binding host and profile are for admins).
BINDING_RULES = {"binding:host_id": "binding:host_id", "binding:profile": "binding:profile"}

def shown(cloud: CloudServices, port: Any, caller: Caller) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = views(cloud).port(port.id.hex)
    body = port_body(row if row is not None else port_row(port), caller.is_admin)
    return secured(cloud, tagged(cloud, "ports", [body])[0])


def visible_port(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    return visible(views(cloud).port(parse_ref(ref, "Port")), caller, "Port", ref)


def binding_changes(req: PortCreate | PortUpdate, action: str, owner: dict[str, Any],
                    caller: Caller, engine: PolicyEngine,
                    current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The port attributes asked for, each allowed by its policy rule."""
    given = req.model_dump(by_alias=True, exclude_unset=True)
    changes = {key: given[key] for key in ("admin_state_up", "binding:vnic_type",
                                           "binding:host_id", "binding:profile")
               if given.get(key) is not None}
    for key, rule in BINDING_RULES.items():
        if key in changes:
            engine.enforce(f"{action}_port:{rule}", owner, caller.creds)
    if req.allowed_address_pairs is not None:
        changes["allowed_address_pairs"] = [address_pair(p) for p in req.allowed_address_pairs]
    if req.extra_dhcp_opts is not None:
        changes["extra_dhcp_opts"] = dhcp_options((current or {}).get("extra_dhcp_opts", []),
                                                  req.extra_dhcp_opts)
    return changes


def port_network(cloud: CloudServices, caller: Caller, req: PortCreate) -> Row:
    """The network the port goes on, visible to the caller (else 404)."""
    try:
        network_id = parse_ref(req.network_id, "Network")
    except NotFound:
        raise InvalidInput(f"Invalid input for network_id. Reason: '{req.network_id}' is not "
                           "a valid UUID.") from None
    if is_external(network_id):  # the floating IP pool: addresses of its one subnet
        return {"id": EXTERNAL_NETWORK_ID, "project_id": "",
                "attrs": {"shared": False, "router:external": True,
                          "port_security_enabled": False}}
    return visible(views(cloud).network(network_id), caller, "Network", req.network_id)


def port_owner(caller: Caller, req: PortCreate, network: Row) -> str:
    """Whose port it is: the network's project, or on a shared or external network the
    caller's (an admin may name any project)."""
    owners = {req.project_id, req.tenant_id} - {None}
    if len(owners) > 1:
        raise InvalidInput("'project_id' and 'tenant_id' do not match.")
    public = network["attrs"]["shared"] or network["attrs"]["router:external"]
    default = caller.project_id if public and network["project_id"] != caller.project_id \
        else network["project_id"]
    wanted = owners.pop() if owners else default
    if wanted != default and not caller.is_admin:
        raise InvalidInput("A port belongs to its network's project (or, on a shared "
                           "network, to its maker's): 'project_id' must name it.")
    return str(wanted or default)


@router.get("/ports", response_model=PortList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_port", owned_by(caller.project_id or ""), caller.creds)
    params = request.query_params
    filters: dict[str, str] = {}
    for key, column in SQL_FILTERS.items():
        if key in params and len(values(params, key)) == 1:
            try:
                filters[column] = parse_ref(params[key], key)
            except NotFound:
                return {"ports": []}
    if "device_id" in params:  # an instance's uuid, or any label a free port was given
        filters["device_id"] = stored_device_id(params["device_id"])
    rows = views(cloud).ports(project_filter(params, caller), **filters)
    shown_rows = tagged(cloud, "ports", [port_body(r, caller.is_admin) for r in rows])
    bodies = [b for b in (secured(cloud, body) for body in shown_rows)
              if fixed_ips_match(b, params)]
    return listed("ports", bodies, params, BODY_FILTERS + ("id", "network_id"),
                  str(request.url.path))


def create_one(data: Any, cloud: CloudServices, caller: Caller,
               engine: PolicyEngine) -> dict[str, Any]:
    req = parse_body(PortCreate, data)
    network = port_network(cloud, caller, req)
    project_id = port_owner(caller, req, network)
    owner = owned_by(project_id)
    engine.enforce("create_port", owner, caller.creds)
    check_supported(req)
    if req.mac_address is not None:
        engine.enforce("create_port:mac_address", owner, caller.creds)
    wanted = requested_ips(req.fixed_ips)
    if wanted and any(w.ip_address is not None for w in wanted):
        engine.enforce("create_port:fixed_ips:ip_address", owner, caller.creds)
    attributes = binding_changes(req, "create", owner, caller, engine)
    request = PortRequest(mac=req.mac_address, name=req.name, description=req.description,
                          device_id=stored_device_id(req.device_id),
                          device_owner=req.device_owner, fixed_ips=wanted,
                          project_id=project_id, attributes=attributes)
    with neutron_quota():
        port = cloud.ports.create_port(
            caller.ctx, network["id"], request, group_refs(req.security_groups),
            network["attrs"].get("port_security_enabled", True)
            if req.port_security_enabled is None else req.port_security_enabled,
            None if is_external(network["id"]) else auto_dhcp_host(cloud, network["id"]))
    return shown(cloud, port, caller)


@router.post("/ports", status_code=201, response_model=PortShow | PortBulk)
def create(body: dict[str, Any], cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    return create_all(
        cloud, body, "port", "ports", lambda data: create_one(data, cloud, caller, engine),
        lambda done: cloud.ports.delete_port(caller.ctx, parse_ref(done["id"], "Port")))


@router.get("/ports/{port_id}", response_model=PortFieldsShow)
def show(port_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_port(cloud, caller, port_id)
    engine.enforce("get_port", target(row), caller.creds)
    body = secured(cloud, tagged(cloud, "ports", [port_body(row, caller.is_admin)])[0])
    return {"port": selected(body, request.query_params)}


@router.put("/ports/{port_id}", response_model=PortShow)
def update(port_id: str, body: PortUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    row = visible_port(cloud, caller, port_id)
    engine.enforce("update_port", target(row), caller.creds)
    req = body.port
    check_vnic(req.vnic_type)
    attributes = binding_changes(req, "update", target(row), caller, engine, row["attrs"])
    wanted = requested_ips(req.fixed_ips)
    if wanted and any(w.ip_address is not None for w in wanted):
        engine.enforce("update_port:fixed_ips:ip_address", target(row), caller.creds)
    port = cloud.ports.update_port(caller.ctx, row["id"], req.name, req.description,
                                   attributes, None if wanted is None else list(wanted))
    if "security_groups" in req.model_fields_set or req.port_security_enabled is not None:
        # Neutron takes null for no groups; an absent key keeps them.
        groups = None if "security_groups" not in req.model_fields_set \
            else group_refs(req.security_groups or [])
        port = cloud.security_groups.set_port_groups(caller.ctx, row["id"], groups,
                                                     req.port_security_enabled)
    return {"port": shown(cloud, port, caller)}


@router.delete("/ports/{port_id}", status_code=204)
def delete(port_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    row = visible_port(cloud, caller, port_id)
    engine.enforce("delete_port", target(row), caller.creds)
    cloud.ports.delete_port(caller.ctx, row["id"])
    return Response(status_code=204)
