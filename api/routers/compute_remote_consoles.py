"""Compute `POST /servers/{id}/remote-consoles` (2.6+): a URL to the guest's graphical or serial
console through a console proxy. No host here runs a console proxy (VNC, SPICE, serial or MKS),
so every request answers what Nova answers when the console type is disabled on the host
(ConsoleTypeUnavailable, 400 "Unavailable console type X."), after its schema and policy; the
`rdp` protocol is Nova's own 400. The types grow with the microversion as Nova's schema does:
mks/webmks from 2.8, spice-direct from 2.99 (before, it is the schema's 400)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion
from api.routers.compute_servers import enforce_on, find_server
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])
RULE = "os_compute_api:os-remote-consoles"
RULES = [policy.RuleDefault(RULE, "rule:admin_or_member")]
PROTOCOLS = {"2.6": ("vnc", "spice", "serial", "rdp"), "2.8": ("mks",)}
TYPES = {"2.6": ("novnc", "xvpvnc", "spice-html5", "serial", "rdp-html5"), "2.8": ("webmks",),
         "2.99": ("spice-direct",)}


class RemoteConsole(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    protocol: str
    type: str


class RemoteConsoleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remote_console: RemoteConsole


def check_enum(field: str, value: str, allowed: list[str]) -> None:
    if value not in allowed:
        raise InvalidInput(f"Invalid input for field/attribute {field}. Value: {value}. "
                           f"'{value}' is not one of {allowed}")


@router.post("/servers/{server_id}/remote-consoles",
             responses={400: {"description": "No console type is available here"}})
def create(server_id: str, body: RemoteConsoleRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> Any:
    if version < "2.6":
        raise NotFound("The resource could not be found.")
    asked = body.remote_console
    check_enum("protocol", asked.protocol,
               [p for since, ps in PROTOCOLS.items() if version >= since for p in ps])
    check_enum("type", asked.type,
               [t for since, ts in TYPES.items() if version >= since for t in ts])
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, RULE, caller, server)
    raise InvalidInput(f"Unavailable console type "
                       f"{asked.protocol if asked.protocol == 'rdp' else asked.type}.")
