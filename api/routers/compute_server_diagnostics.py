"""Compute `GET /servers/{id}/diagnostics`: the guest's statistics from its host's hypervisor,
for admins (Nova's os_compute_api:os-server-diagnostics).

Where the numbers come from: the API never opens a host's libvirt itself. In a multi-host cloud
it has no connection to each host's libvirtd (a test:/// or qemu:///system URI is only
meaningful on its own host), and every other read of a host goes through the event log: console
output is published by the host's worker (domain/process/compute/consoles.py) and image
pre-caching is a request event each host's worker answers (image_cache.py). Diagnostics follow
the second pattern, since Nova's answer is synchronous and of this moment: the API records a
DiagnosticsRequest naming the server's host, that host's worker reads the domain's statistics
through its hypervisor port and records them on the request (domain/process/compute/
diagnostics.py), and the API waits, bounded, for that answer. A host that is down is not asked.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from oslo_policy import policy

from api import diagnostics_views
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import ComputeVersion
from api.routers.compute_servers import enforce_on, find_server
from domain.compute.diagnostics import DiagnosticsRequest
from domain.errors import InvalidState
from domain.services.compute.diagnostics import DiagnosticsService

router = APIRouter(prefix="/compute/v2.1", tags=["compute: servers"])
RULE = "os_compute_api:os-server-diagnostics"
RULES = [policy.RuleDefault(RULE, "rule:admin_api")]
# A worker that is up answers within its poll interval (0.2 s on SQLite, at once on a NOTIFY
# from PostgreSQL); the request waits for it up to the host_answer_timeout setting.
POLL_S = 0.05


@router.get("/servers/{server_id}/diagnostics")
def diagnostics(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, RULE, caller, server)
    host = server.get("host")
    if not host:  # Nova's check_instance_host: InstanceNotReady
        raise InvalidState(f"Instance {server['id']} is not ready")
    if not host_is_up(cloud, host):
        raise InvalidState(f"Compute host {host} of instance {server['id']} is down")
    service = DiagnosticsService(cloud.app)
    request = answered(service, service.request(caller.ctx, UUID(str(server["id"])), host),
                       cloud.settings.host_answer_timeout)
    if request.report is None:
        raise InvalidState(f"Cannot 'get_diagnostics' instance {server['id']} while it is in "
                           f"power state {request.refusal}")
    if version >= "2.48":
        return diagnostics_views.standard(request.report, uptime(server.get("launched_at")),
                                          bool(server.get("config_drive")))
    return diagnostics_views.legacy(request.report)


def host_is_up(cloud: CloudServices, host: str) -> bool:
    state = cloud.capacity.hosts().get(host)
    return state is not None and state.is_up(time.time(), cloud.settings.service_down_time)


def answered(service: DiagnosticsService, request_id: UUID,
             timeout: float) -> DiagnosticsRequest:
    """The request once its host's worker answered it, or a 409 after `timeout` seconds."""
    pause, deadline = threading.Event(), time.monotonic() + timeout
    while True:
        request = service.get(request_id)
        if request.answered:
            return request
        if time.monotonic() >= deadline:
            raise InvalidState(f"Compute host {request.host} did not answer in {timeout:g} s")
        pause.wait(POLL_S)


def uptime(launched_at: str | None) -> int | None:
    """Seconds since the server was launched, as Nova's driver counts it (None before)."""
    if not launched_at:
        return None
    started = datetime.fromisoformat(launched_at).replace(tzinfo=UTC)
    return max(0, int((datetime.now(UTC) - started).total_seconds()))
