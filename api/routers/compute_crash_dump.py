"""Compute's `trigger_crash_dump` server action (2.17), 202: the request is recorded and the
worker of the server's host injects an NMI into the guest (domain/process/compute/
crash_dump.py). Nova's 409s for a locked server, one on no host and a vm_state other than
active, paused, rescued, resized or error; below 2.17 the action does not exist (404). As in
Nova, what the hypervisor then does is the action's outcome (os-instance-actions), not the
request's answer: a guest that is not running fails that step. `compute_server_actions`
dispatches the key here and joins `RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import Response
from oslo_policy import policy

from api.errors import ApiError
from api.routers.compute_servers import enforce_on
from api.server_action import Act
from domain.errors import InvalidInput
from domain.services.compute.crash_dump import CrashDumpService

RULE = "os_compute_api:servers:trigger_crash_dump"
RULES = [policy.RuleDefault(RULE, "rule:admin_or_member")]


def trigger_crash_dump(a: Act) -> Response:
    if a.version < "2.17":
        raise ApiError(404, "The resource could not be found.")
    if a.value is not None:  # Nova's schema: {"trigger_crash_dump": null}
        raise InvalidInput("Invalid input for field/attribute trigger_crash_dump. "
                           f"Value: {a.value}. {a.value!r} is not of type 'null'")
    enforce_on(a.engine, RULE, a.caller, a.server)
    CrashDumpService(a.cloud.app).request(a.caller.ctx, UUID(a.id))
    return a.accepted()


HANDLERS: dict[str, Callable[[Act], Any]] = {"trigger_crash_dump": trigger_crash_dump}
