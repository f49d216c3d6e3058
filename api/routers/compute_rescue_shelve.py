"""Compute's rescue and shelve server actions: `rescue`, `unrescue`, `shelve`, `shelveOffload`,
`unshelve` (domain.services.compute.actions and .shelving record them; the host's worker carries
them out, so each answers at once).

Rescue answers 200 with the rescue password, as Nova does with enable_instance_password (its
default); the others 202 without a body. `compute_server_actions.HANDLERS` dispatches the keys
here; `RULES` joins its rules.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.routers.compute_floating_ip_actions import parsed
from api.routers.compute_servers import enforce_on
from api.server_action import Act
from api.validation import Name
from domain.errors import InvalidInput, InvalidState

_OWNER, _ADMIN = "rule:admin_or_member", "rule:admin_api"
RULES = [policy.RuleDefault(f"os_compute_api:{name}", check) for name, check in (
    ("os-rescue", _OWNER), ("os-unrescue", _OWNER), ("os-shelve:shelve", _OWNER),
    ("os-shelve:unshelve", _OWNER), ("os-shelve:shelve_offload", _ADMIN),
    ("os-shelve:unshelve_to_host", _ADMIN))]


class Rescue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    adminPass: str | None = None  # noqa: N815 - Nova's field names
    rescue_image_ref: str | None = Field(default=None, min_length=1)


def rescue(a: Act) -> Response:
    params: Rescue = parsed(Rescue, a.value if a.value is not None else {})  # null: defaults
    enforce_on(a.engine, "os_compute_api:os-rescue", a.caller, a.server)
    a.cloud.actions.rescue(a.caller.ctx, a.id, params.rescue_image_ref,
                           allow_volume_backed=a.version >= "2.87")
    # Shown once, never stored: the guest's password is not ours to set on the test driver.
    return JSONResponse({"adminPass": params.adminPass or secrets.token_urlsafe(9)})


def unrescue(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-unrescue", a.caller, a.server)
    a.cloud.actions.act(a.caller.ctx, a.id, "unrescue")
    return a.accepted()


def shelve(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-shelve:shelve", a.caller, a.server)
    a.cloud.shelving.shelve(a.caller.ctx, a.id)
    return a.accepted()


def shelve_offload(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-shelve:shelve_offload", a.caller, a.server)
    a.cloud.shelving.shelve_offload(a.caller.ctx, a.id)
    return a.accepted()


class Unshelve(BaseModel):
    """2.77: null, or the zone to unshelve into (Nova refuses `{}`)."""

    model_config = ConfigDict(extra="forbid")
    availability_zone: Name


class UnshelveV291(BaseModel):
    """2.91: null, or a zone (null: the server's own zone is dropped) and/or a host."""

    model_config = ConfigDict(extra="forbid")
    availability_zone: Name | None = None
    host: str | None = None


def unshelve(a: Act) -> Response:
    # Before 2.77 Nova takes any body here and reads nothing of it.
    if a.version >= "2.91":
        return unshelve_v291(a)
    zone = None
    if a.version >= "2.77" and a.value is not None:
        zone = parsed(Unshelve, a.value).availability_zone
    enforce_on(a.engine, "os_compute_api:os-shelve:unshelve", a.caller, a.server)
    # Nova checks the zone only once the server is known offloaded (else its 409 comes first).
    if zone is not None and a.server["vm_state"] == "shelved_offloaded" and \
            zone not in {h.availability_zone for h in a.cloud.capacity.hosts().values()}:
        raise InvalidInput("The requested availability zone is not available")
    a.cloud.shelving.unshelve(a.caller.ctx, a.id, availability_zone=zone)
    return a.accepted()


HANDLERS: dict[str, Callable[[Act], Any]] = {
    "rescue": rescue, "unrescue": unrescue, "shelve": shelve, "shelveOffload": shelve_offload,
    "unshelve": unshelve,
}


def unshelve_v291(a: Act) -> Response:
    """Nova's order: the unshelve rule, the server offloaded (409), the zone known (400), the
    unshelve_to_host rule (403), the host known (400) and in the zone it will have (409)."""
    params = parsed(UnshelveV291, a.value) if a.value is not None else UnshelveV291()
    enforce_on(a.engine, "os_compute_api:os-shelve:unshelve", a.caller, a.server)
    unpin = "availability_zone" in params.model_fields_set and params.availability_zone is None
    zone, host = params.availability_zone, params.host
    moved = zone is not None or unpin or host is not None
    zones = {h: s.availability_zone for h, s in a.cloud.capacity.hosts().items()}
    if moved and a.server["vm_state"] == "shelved_offloaded":
        if zone is not None and zone not in set(zones.values()):
            raise InvalidInput("The requested availability zone is not available")
        if host is not None:
            enforce_on(a.engine, "os_compute_api:os-shelve:unshelve_to_host", a.caller, a.server)
            if host not in zones:
                raise InvalidInput(f"Compute host {host} could not be found.")
            expected = zone if zone is not None or unpin else a.server.get("requested_az")
            if expected is not None and zones[host] != expected:
                raise InvalidState(f'Host "{host}" is not in the availability zone '
                                   f'"{expected}".')
    a.cloud.shelving.unshelve(a.caller.ctx, a.id, availability_zone=zone, host=host, unpin=unpin)
    return a.accepted()
