"""The network agent's registration and heartbeats: its host's agents recorded as started
(domain/network/agent.py), then a beat every report interval, so Neutron's agents API shows
them alive.

Runs in a thread of its own, as the compute worker's does: a long convergence (a replay, many
dnsmasq restarts) never makes the agent look dead.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from domain.context import RequestContext
from domain.services.network.agents import NetworkAgentService

log = logging.getLogger(__name__)

RETRY_S = 1.0  # after a failure, sooner than a report interval, never in a busy loop


@dataclass
class AgentLiveness:
    agents: NetworkAgentService
    host: str
    configurations: dict[str, Any]
    report_interval: float = 10.0
    registered: threading.Event = field(default_factory=threading.Event)

    @property
    def ctx(self) -> RequestContext:
        return RequestContext(user_id=f"network:{self.host}")

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.registered.is_set():
                    self.agents.heartbeat(self.ctx, self.host)
                else:
                    self.agents.register(self.ctx, self.host, self.configurations)
                    self.registered.set()
                wait = self.report_interval
            except Exception:  # noqa: BLE001 - keep beating; the next try may succeed
                log.exception("host %s: network agent registration or heartbeat failed",
                              self.host)
                wait = min(RETRY_S, self.report_interval)
            stop.wait(wait)
