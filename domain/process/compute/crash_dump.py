"""Injecting the NMI of a trigger_crash_dump request into this host's guest
(domain/compute/crash_dump.py).

The worker of the host the request names injects it through its hypervisor port (libvirt's
virDomainInjectNMI) and records the outcome on the request: triggered, or failed with the
hypervisor's reason (a guest that is not running: Nova's InstanceNotRunning, which its compute
manager records as the action's failed event). A request that already has its outcome (a replay
after a crash) is left alone, so no NMI is injected twice for one request.
"""

from __future__ import annotations

import logging
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.base import Entity
from domain.compute.backends import Hypervisor, HypervisorError
from domain.compute.crash_dump import CrashDumpRequest
from domain.context import RequestContext
from domain.process.effects import recording
from domain.services.compute.crash_dump import CrashDumpService

log = logging.getLogger(__name__)

TOPICS: tuple[str, ...] = (get_topic(CrashDumpRequest.Requested),)


class CrashDumper:
    def __init__(self, service: CrashDumpService, hypervisor: Hypervisor, host: str,
                 user_id: str) -> None:
        self.service, self.hypervisor, self.host, self.user_id = (
            service, hypervisor, host, user_id)

    def handle(self, event: Entity.Event) -> bool:
        if not isinstance(event, CrashDumpRequest.Requested) or event.host != self.host:
            return False
        request_id = UUID(str(event.originator_id))
        if self.service.get(request_id).result is not None:
            return False
        meta = getattr(event, "meta", None) or {}
        ctx = RequestContext(user_id=self.user_id, project_id=meta.get("project_id"),
                             request_id=str(meta.get("request_id") or "req-unknown"))
        with recording(ctx) as traced:  # the outcome carries the injectNMI done
            try:
                self.hypervisor.inject_nmi(event.instance_id)
            except HypervisorError as error:
                log.warning("host %s: no NMI for %s: %s", self.host, event.instance_id, error)
                self.service.failed(traced, request_id, str(error))
                return True
            self.service.triggered(traced, request_id)
        return True
