"""The `evacuate` server action (admins): a server whose host is down, its heartbeats stopped
or its service forced down (`os-services` forced_down, 2.11), is rebuilt on another host from
its image (domain/services/compute/evacuation.py). A host that is up is Nova's 400.

Bodies by microversion, as Nova's schemas: `onSharedStorage` required before 2.14 (nothing is
shared here: true only keeps Nova's rule that no adminPass goes with it); `force` from 2.29 to
2.67 (only with a host; the named host is still checked for room); from 2.95 the server comes
back stopped. Before 2.14 the answer is 200 with the `adminPass` (shown once, never stored:
there is no guest agent to set it), from 2.14 a 200 without a body.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from oslo_policy import policy

from api.routers.compute_migrations import nova_bool
from api.routers.compute_servers import enforce_on
from api.server_action import Act
from domain.errors import InvalidInput

RULES = [policy.RuleDefault("os_compute_api:os-evacuate", "rule:admin_api")]
FQDN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")


def allowed_keys(version: Any) -> set[str]:
    keys = {"host", "adminPass"}
    if version < "2.14":
        keys.add("onSharedStorage")
    if "2.29" <= version < "2.68":
        keys.add("force")
    return keys


def evacuate_body(value: Any, version: Any) -> tuple[str | None, str | None, bool]:
    """(host, adminPass, shared storage) as Nova's evacuate schemas take them."""
    if not isinstance(value, dict):
        raise InvalidInput("Invalid input for field/attribute evacuate.")
    extra = set(value) - allowed_keys(version)
    if extra:
        raise InvalidInput(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                           "was unexpected)")
    if version < "2.14" and "onSharedStorage" not in value:
        raise InvalidInput("'onSharedStorage' is a required property")
    host, password = value.get("host"), value.get("adminPass")
    if host is not None and (not isinstance(host, str) or not 1 <= len(host) <= 255
                             or not set(host) <= FQDN_CHARS):
        raise InvalidInput(f"Invalid input for field/attribute host. Value: {host}.")
    if password is not None and not isinstance(password, str):
        raise InvalidInput(f"Invalid input for field/attribute adminPass. Value: {password}.")
    shared = bool(nova_bool(value["onSharedStorage"], "onSharedStorage")) \
        if "onSharedStorage" in value else False
    if "force" in value and nova_bool(value["force"], "force") and not host:
        raise InvalidInput("Can't force to a non-provided destination")
    if shared and password is not None:
        raise InvalidInput("admin password can't be changed on existing disk")
    return host, password, shared


def evacuate(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-evacuate", a.caller, a.server)
    host, password, shared = evacuate_body(a.value, a.version)
    a.cloud.actions.evacuate(a.caller.ctx, a.id, host, stopped=a.version >= "2.95")
    if a.version >= "2.14":
        return Response(status_code=200)
    shown = None if shared else (password or secrets.token_urlsafe(9))
    return JSONResponse({"adminPass": shown}, status_code=200)


HANDLERS = {"evacuate": evacuate}
