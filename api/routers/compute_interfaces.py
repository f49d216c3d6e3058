"""Compute `/servers/{id}/os-interface[/{port_id}]`: a server's ports as Nova's interface
attachments; attach (a new port on a network, or the caller's own port by `port_id`, answered
200 with it) and detach (202: a port the caller made is unbound and kept, as Nova does).

The server's ports come from the servers read model, each port's addresses and state from the
networks read model; attach and detach are recorded by domain.services.compute.interfaces and
the host's worker plugs or unplugs the NIC.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.bodies.networks import dashed, port_body, views
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_floating_ip_actions import parsed
from api.routers.compute_servers import enforce_on, find_server
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])

_RULE = "os_compute_api:os-attach-interfaces"
RULES = [policy.RuleDefault(f"{_RULE}:{name}", check) for name, check in (
    ("list", "rule:admin_or_reader"), ("show", "rule:admin_or_reader"),
    ("create", "rule:admin_or_member"), ("delete", "rule:admin_or_member"))]

TAG_FROM = "2.49"  # a tag may be asked for; shown (null) from 2.70


class FixedIp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ip_address: str


class InterfaceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    net_id: str | None = None
    port_id: str | None = None
    fixed_ips: Annotated[list[FixedIp], Field(min_length=1, max_length=1)] | None = None
    tag: Annotated[str, Field(max_length=60)] | None = None


class InterfaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    interfaceAttachment: InterfaceRequest = InterfaceRequest()  # noqa: N815 - Nova's names


def attachment(cloud: CloudServices, port_id: str, version: Version) -> dict[str, Any] | None:
    row = views(cloud).port(port_id)
    if row is None:
        return None  # released since the server was read
    body = port_body(row)
    shown = {"net_id": body["network_id"], "port_id": body["id"],
             "mac_addr": body["mac_address"], "fixed_ips": body["fixed_ips"],
             "port_state": body["status"]}
    return {**shown, "tag": None} if version >= "2.70" else shown


@router.get("/servers/{server_id}/os-interface")
def index(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{_RULE}:list", caller, server)
    found = (attachment(cloud, p["id"], version) for p in server.get("ports", []))
    return {"interfaceAttachments": [a for a in found if a is not None]}


@router.get("/servers/{server_id}/os-interface/{port_id}")
def show(server_id: str, port_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{_RULE}:show", caller, server)
    key = port_id.replace("-", "").lower()
    found = attachment(cloud, key, version) if key in {p["id"] for p in server.get(
        "ports", [])} else None
    if found is None:
        raise NotFound(f"Network port {port_id} could not be found.")
    return {"interfaceAttachment": found}


@router.post("/servers/{server_id}/os-interface")
def create(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion,
           body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    req: InterfaceRequest = parsed(InterfaceCreate, body).interfaceAttachment
    if req.tag is not None and version < TAG_FROM:
        raise InvalidInput("Additional properties are not allowed ('tag' was unexpected)")
    if req.net_id and req.port_id:
        raise InvalidInput("Must not input both network_id and port_id")
    if req.fixed_ips and not req.net_id:
        raise InvalidInput("Must input network_id when request IP address")
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{_RULE}:create", caller, server)
    if req.port_id:
        record = cloud.interfaces.attach_port(caller.ctx, server["id"], req.port_id)
    else:
        fixed_ip = req.fixed_ips[0].ip_address if req.fixed_ips else None
        record = cloud.interfaces.attach(caller.ctx, server["id"], req.net_id, fixed_ip)
    cloud.catch_up_for_reads()
    shown = attachment(cloud, record["id"], version)
    if shown is None:
        raise NotFound(f"Network port {dashed(record['id'])} could not be found.")
    return {"interfaceAttachment": shown}


@router.delete("/servers/{server_id}/os-interface/{port_id}", status_code=202)
def delete(server_id: str, port_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, f"{_RULE}:delete", caller, server)
    cloud.interfaces.detach(caller.ctx, server["id"], port_id)
    return Response(status_code=202)
