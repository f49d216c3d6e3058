"""Answering server diagnostics requests for this host's guests (domain/compute/diagnostics.py).

The worker of the host a request names reads the guest's statistics through its hypervisor port
and records them on the request, as Nova's compute manager answers get_diagnostics over RPC:
only for a running guest; otherwise the request is refused with the guest's power state (Nova's
InstanceInvalidState, a 409 at the API). A request already answered (a replay after a crash)
is left alone: the aggregate keeps the first answer.
"""

from __future__ import annotations

import logging
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.base import Entity
from domain.compute.backends import GuestNotFound, GuestState, Hypervisor
from domain.compute.diagnostics import DiagnosticsRequest, report_of
from domain.context import RequestContext
from domain.services.compute.diagnostics import DiagnosticsService

log = logging.getLogger(__name__)

TOPICS: tuple[str, ...] = (get_topic(DiagnosticsRequest.Requested),)

# Nova's power state names (nova/compute/power_state.py STATE_MAP), for its 409's message.
POWER_NAMES = {GuestState.PAUSED: "paused", GuestState.SUSPENDED: "suspended",
               GuestState.SHUTOFF: "shutdown", GuestState.CRASHED: "crashed",
               GuestState.MISSING: "pending", GuestState.UNKNOWN: "pending"}


class DiagnosticsReader:
    def __init__(self, service: DiagnosticsService, hypervisor: Hypervisor, host: str,
                 user_id: str) -> None:
        self.service, self.hypervisor, self.host, self.user_id = (
            service, hypervisor, host, user_id)

    def handle(self, event: Entity.Event) -> bool:
        if not isinstance(event, DiagnosticsRequest.Requested) or event.host != self.host:
            return False
        request_id = UUID(str(event.originator_id))
        if self.service.get(request_id).answered:
            return False
        meta = getattr(event, "meta", None) or {}
        ctx = RequestContext(user_id=self.user_id, project_id=meta.get("project_id"),
                             request_id=str(meta.get("request_id") or "req-unknown"))
        try:
            stats = self.hypervisor.diagnostics(event.instance_id)
        except GuestNotFound:
            self.service.refuse(ctx, request_id, POWER_NAMES[GuestState.MISSING])
            return True
        if stats.state is not GuestState.RUNNING:
            self.service.refuse(ctx, request_id, POWER_NAMES.get(stats.state, "pending"))
        else:
            self.service.answer(ctx, request_id, report_of(stats))
        log.info("host %s: diagnostics of %s read (%s)", self.host, event.instance_id,
                 ctx.request_id)
        return True
