"""Registration and heartbeats: the host's capacity as its hypervisor reports it, then a beat
every report interval so the scheduler knows the host is up.

Runs in a thread of its own, so a long action (a slow stop, a replay of many spawns) never makes
the host look down, and a worker whose database is busy still starts following the log.
"""

from __future__ import annotations

import logging
import threading

from domain.compute.backends import Hypervisor
from domain.context import RequestContext
from domain.process.compute.config import WorkerConfig
from domain.services.compute.hosts import HostRegistration, HostService

log = logging.getLogger(__name__)

# After a failure, try again sooner than a whole report interval (but not in a busy loop).
RETRY_S = 1.0


class Liveness:
    def __init__(self, hosts: HostService, hypervisor: Hypervisor, config: WorkerConfig) -> None:
        self.hosts, self.hypervisor, self.config = hosts, hypervisor, config
        self.registered = threading.Event()

    def registration(self) -> HostRegistration:
        resources = self.hypervisor.host_resources()
        c = self.config
        return HostRegistration(host=c.host, hypervisor_type=resources.hypervisor_type,
                                vcpus=resources.vcpus, memory_mb=resources.memory_mib,
                                disk_gb=resources.disk_gib, availability_zone=c.availability_zone,
                                cpu_ratio=c.cpu_ratio, ram_ratio=c.ram_ratio,
                                disk_ratio=c.disk_ratio,
                                hypervisor_version=resources.version)

    def register(self) -> None:
        self.hosts.register(RequestContext(user_id=self.config.user_id), self.registration())
        self.registered.set()
        log.info("host %s registered", self.config.host)

    def beat(self) -> None:
        self.hosts.heartbeat(RequestContext(user_id=self.config.user_id), self.config.host)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.registered.is_set():
                    self.beat()
                else:
                    self.register()
                wait = self.config.report_interval
            except Exception:  # noqa: BLE001 - keep beating; the next try may succeed
                log.exception("host %s: registration or heartbeat failed", self.config.host)
                wait = min(RETRY_S, self.config.report_interval)
            stop.wait(wait)
