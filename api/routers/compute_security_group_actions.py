"""Compute's `addSecurityGroup` and `removeSecurityGroup` server actions: the named group (a name
or an id, of the server's project) joins or leaves every port of the server, in one command
on the Network API's groups, as Nova's security_group_api does through Neutron. Errors are
Nova's: 404 for a group or a server port that is not there, 409 for a name that several groups
share, 400 for a port with port security off.

`compute_server_actions.HANDLERS` dispatches the two keys here; `RULES` are the proxy's.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.bodies.networks import views
from api.bodies.security_groups import ensure_default, find_group
from api.errors import ApiError, describe_validation
from api.routers.compute_servers import enforce_on
from api.server_action import Act
from domain.errors import InvalidInput, NotFound


class GroupName(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)


def group_and_ports(a: Act, action: str) -> tuple[str, list[str]]:
    try:
        name = GroupName.model_validate(a.value).name
    except ValidationError as bad:
        raise InvalidInput(describe_validation(bad)) from None
    if not name.strip():
        raise InvalidInput("Security group name cannot be empty")
    enforce_on(a.engine, f"os_compute_api:os-security-groups:{action}", a.caller, a.server)
    project_id = a.server["project_id"]
    ensure_default(a.cloud, a.caller, project_id)
    matches = find_group(a.cloud, project_id, name)
    if not matches:
        raise NotFound(f"Security group {name} is not found for project {project_id}")
    if len(matches) > 1:
        raise ApiError(409, f"Multiple security_group matches found for name '{name}', use "
                            "an ID to be more specific.")
    ports = [p["id"] for p in views(a.cloud).ports(None, device_id=UUID(a.id).hex)]
    if not ports:
        raise NotFound(f"instance_id {a.id} could not be found as device id on any ports")
    return matches[0]["id"], ports


def add(a: Act) -> Response:
    group_id, ports = group_and_ports(a, "add")
    a.cloud.security_groups.add_to_ports(a.caller.ctx, ports, group_id)
    return a.accepted()


def remove(a: Act) -> Response:
    group_id, ports = group_and_ports(a, "remove")
    a.cloud.security_groups.remove_from_ports(a.caller.ctx, ports, group_id)
    return a.accepted()


HANDLERS: dict[str, Any] = {"addSecurityGroup": add, "removeSecurityGroup": remove}
