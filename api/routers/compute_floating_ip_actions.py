"""Compute's `addFloatingIp` and `removeFloatingIp` server actions (Nova's os-floating-ips).

Nova deprecated them for the Network API and removed them at microversion 2.44; from there on
they answer 404, as Nova does. Below it they (dis)associate a floating IP the server's project
holds with one of the server's ports, through the same FloatingIpService as `/floatingips`, so
the network agent applies the NAT and the server's `addresses` show it (`OS-EXT-IPS:type`
floating). Errors are Nova's: 400 for what the request names wrongly, 404 for a floating IP the
project does not hold, 409 for removing one the server does not have.

`compute_server_actions.HANDLERS` dispatches the two keys here; `RULES` joins its rules.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any
from uuid import UUID

from fastapi import Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.bodies.networks import views
from api.errors import ApiError, describe_validation
from api.routers.compute_servers import caught_up, enforce_on
from api.server_action import Act
from domain.errors import InvalidInput, InvalidState, NotFound

RULES = [
    policy.RuleDefault("os_compute_api:os-floating-ips:add", "rule:admin_or_member"),
    policy.RuleDefault("os_compute_api:os-floating-ips:remove", "rule:admin_or_member"),
]

REMOVED_AT = "2.44"

Address = Field(min_length=1, max_length=64)


class AddFloatingIp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Address
    fixed_address: str | None = Field(default=None, min_length=1, max_length=64)


class RemoveFloatingIp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Address


def parsed(model: type[BaseModel], value: Any) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as bad:
        raise InvalidInput(describe_validation(bad)) from None


def canonical(text: str, field: str) -> str:
    """An IP address as the read models spell it; anything else fails Nova's schema (400)."""
    try:
        return str(ip_address(text))
    except ValueError:
        raise InvalidInput(f"Invalid input for field/attribute {field}. Value: {text}. "
                           f"'{text}' is not a 'ipv4' or 'ipv6' address.") from None


def check_version(a: Act) -> None:
    if a.version >= REMOVED_AT:
        # Nova says no more than this when a method does not exist at the version asked for.
        raise ApiError(404, "The resource could not be found.")


def held_floating_ip(a: Act, address: str) -> dict[str, Any]:
    """The floating IP with this address allocated to the server's project (Nova's 404)."""
    rows = views(a.cloud).floating_ips(a.server["project_id"], address=address)
    if not rows:
        raise NotFound("floating IP not found")
    return rows[0]


def server_port(a: Act, fixed_address: str | None) -> dict[str, Any]:
    """The server's port holding `fixed_address`, or its first port."""
    ports = a.server.get("ports") or []
    if not ports:
        raise InvalidInput("Instance network is not ready yet")
    if fixed_address is None:
        return dict(ports[0])
    for port in ports:
        if port["fixed_ip"] == fixed_address:
            return dict(port)
    raise InvalidInput("Specified fixed address not assigned to instance")


def add_floating_ip(a: Act) -> Response:
    check_version(a)
    params: AddFloatingIp = parsed(AddFloatingIp, a.value)
    address = canonical(params.address, "address")
    fixed = None if params.fixed_address is None else canonical(params.fixed_address,
                                                                "fixed_address")
    enforce_on(a.engine, "os_compute_api:os-floating-ips:add", a.caller, a.server)
    port = server_port(a, fixed)
    floating = held_floating_ip(a, address)
    try:
        a.cloud.floating_ips.associate(a.caller.ctx, floating["id"], port["id"])
    except InvalidState as refused:  # e.g. the port already has another floating IP
        raise InvalidInput(f"Unable to associate floating IP {address} to fixed IP "
                           f"{port['fixed_ip']} for instance {a.id}. Error: {refused}") from None
    caught_up(a.cloud)
    return a.accepted()


def remove_floating_ip(a: Act) -> Response:
    check_version(a)
    params: RemoveFloatingIp = parsed(RemoveFloatingIp, a.value)
    address = canonical(params.address, "address")
    enforce_on(a.engine, "os_compute_api:os-floating-ips:remove", a.caller, a.server)
    floating = held_floating_ip(a, address)
    try:
        a.cloud.floating_ips.disassociate(a.caller.ctx, floating["id"], instance_id=a.id)
    except InvalidState:  # checked on the aggregate; told with the id as Nova prints it
        raise InvalidState(f"Floating IP {address} is not associated with instance "
                           f"{UUID(a.id)}.") from None
    caught_up(a.cloud)
    return a.accepted()


HANDLERS = {"addFloatingIp": add_floating_ip, "removeFloatingIp": remove_floating_ip}
