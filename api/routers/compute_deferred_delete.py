"""Compute's os-deferred-delete server actions, `restore` and `forceDelete`, both 202.

With SKYLEDGER_RECLAIM_INSTANCE_INTERVAL above 0 (Nova's reclaim_instance_interval), a delete
leaves an ACTIVE, SHUTOFF, PAUSED or SUSPENDED server SOFT_DELETED, its guest powered off:
restore powers it on again, forceDelete deletes it at once (domain.services.compute.actions),
and the host's worker reclaims it after the interval (domain/process/compute/reclaimer.py).
With 0, devstack's default, nothing is ever SOFT_DELETED: restore is Nova's 409 and
forceDelete a plain delete.
`compute_server_actions.HANDLERS` dispatches the keys here; `RULES` joins its rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response
from oslo_policy import policy

from api.routers.compute_servers import enforce_on
from api.server_action import Act

RULES = [policy.RuleDefault(f"os_compute_api:os-deferred-delete:{name}", "rule:admin_or_member")
         for name in ("restore", "force")]


def restore(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-deferred-delete:restore", a.caller, a.server)
    a.cloud.actions.restore(a.caller.ctx, a.id)
    return a.accepted()


def force_delete(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-deferred-delete:force", a.caller, a.server)
    a.cloud.actions.force_delete(a.caller.ctx, a.id)
    return a.accepted()


HANDLERS: dict[str, Callable[[Act], Any]] = {"restore": restore, "forceDelete": force_delete}
