"""The scheduler's capacity view: an in-memory index following node and heartbeat events.

Each process that schedules (API servers, the process managers) keeps its own copy and pulls the
notification log before every decision (domain/log_follower.py reads it), so the view is at
most one query old. The claim saved on
the node aggregate stays the authority; this view only proposes candidates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.compute.heartbeat import ComputeHeartbeat
from domain.compute.node import ComputeNode
from domain.compute.scheduling.filters import default_filters
from domain.compute.scheduling.host_state import HostState, RequestSpec
from domain.compute.scheduling.index import CapacityIndex
from domain.compute.scheduling.memberships import Memberships
from domain.compute.scheduling.scheduler import Scheduler
from domain.compute.scheduling.weighers import Weighted, default_weighers
from domain.log_follower import read_batch

NODE_EVENTS = (ComputeNode.Registered, ComputeNode.Reregistered, ComputeNode.Enabled,
               ComputeNode.Disabled, ComputeNode.ForcedDown, ComputeNode.Claimed,
               ComputeNode.ClaimReleased, ComputeNode.ClaimRekeyed, ComputeHeartbeat.Started,
               ComputeHeartbeat.Beat, *Memberships.EVENTS)
CATCH_UP_BATCH = 1000


class HostCapacities:
    def __init__(self, app: SkyLedger, weighers: list[Weighted] | None = None,
                 down_after: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.index = CapacityIndex(weighers or default_weighers())
        self.scheduler = Scheduler(self.index, default_filters(down_after, clock))
        self.down_after, self.clock = down_after, clock
        self.position = 0
        self.claims: dict[str, dict[str, dict[str, int]]] = {}  # host -> key -> resources
        self.beats: dict[str, float] = {}  # last heartbeat per host (may precede registration)
        self.first_beats: dict[str, float] = {}
        self.hosts_by_id: dict[Any, str] = {}  # node aggregate id -> host
        self.hosts_by_heartbeat: dict[Any, str] = {}  # heartbeat aggregate id -> host
        self.memberships = Memberships()  # host aggregates: zones and metadata
        self.topics = [get_topic(c) for c in NODE_EVENTS]
        self.until: int | None = None  # follow the log to its end (host_summary.CapacityAt: not)
        self._lock = threading.Lock()

    def candidates(self, spec: RequestSpec, limit: int = 3) -> list[str]:
        with self._lock:
            self._catch_up()
            return self.scheduler.candidates(spec, limit)

    def hosts(self) -> dict[str, HostState]:
        with self._lock:
            self._catch_up()
            return dict(self.index.hosts)

    def is_up(self, host: str) -> bool:
        state = self.hosts().get(host)
        return state is not None and state.is_up(self.clock(), self.down_after)

    def _catch_up(self) -> None:
        """Apply what the log holds past our position, up to `until` (None: its end)."""
        while self.until is None or self.position < self.until:
            batch = read_batch(self.app, self.position, self.until, self.topics, CATCH_UP_BATCH)
            for notification in batch.notifications:
                self._apply(self.app.mapper.to_domain_event(notification))
                self.position = notification.id
            self.position = batch.end
            if not batch.full:
                return

    def _apply(self, e: Any) -> None:
        if isinstance(e, Memberships.EVENTS):
            for member in self.memberships.apply(e):
                self._rezone(member)
            return
        if isinstance(e, (ComputeHeartbeat.Started, ComputeHeartbeat.Beat)):
            self._beat(e.host if isinstance(e, ComputeHeartbeat.Started) else None, e)
            return
        if isinstance(e, ComputeNode.Registered):
            self.claims[e.host] = {}
            state = HostState(e.host, e.availability_zone, e.hypervisor_type, e.vcpus, e.memory_mb,
                              e.disk_gb, e.cpu_ratio, e.ram_ratio, e.disk_ratio,
                              last_beat=self.beats.get(e.host, 0.0),
                              hypervisor_version=e.hypervisor_version,
                              first_beat=self.first_beats.get(e.host, 0.0),
                              registered_zone=e.availability_zone)
            self.hosts_by_id[e.originator_id] = e.host
            self.index.upsert(state)
            self._rezone(e.host)
            return
        host = self.hosts_by_id.get(e.originator_id)
        if host is None or host not in self.index.hosts:
            return
        state = self.index.hosts[host]
        if isinstance(e, ComputeNode.Reregistered):
            for name in ("hypervisor_type", "vcpus", "memory_mb", "disk_gb", "cpu_ratio",
                         "ram_ratio", "disk_ratio", "hypervisor_version"):
                setattr(state, name, getattr(e, name))
            state.registered_zone = e.availability_zone
            self._rezone(host)
        elif isinstance(e, (ComputeNode.Enabled, ComputeNode.Disabled)):
            state.enabled = isinstance(e, ComputeNode.Enabled)
        elif isinstance(e, ComputeNode.ForcedDown):
            state.forced_down = e.forced_down
        elif isinstance(e, ComputeNode.Claimed):
            self.claims[host][e.instance_id] = e.resources
            self._account(state, e.resources, +1)
        elif isinstance(e, ComputeNode.ClaimReleased):
            self._account(state, self.claims[host].pop(e.instance_id), -1)
        elif isinstance(e, ComputeNode.ClaimRekeyed):
            self.claims[host][e.new] = self.claims[host].pop(e.old)
        state.instances = {key.split(":")[0] for key in self.claims[host]}
        self.index.refresh(host)

    def _rezone(self, host: str) -> None:
        """A host's zone and aggregate metadata, after its registration or an aggregate moved."""
        state = self.index.hosts.get(host)
        if state is not None:
            state.availability_zone = self.memberships.zone_of(host, state.registered_zone)
            state.aggregate_metadata = self.memberships.metadata_of(host)

    def _beat(self, host: str | None, e: Any) -> None:
        if host is not None:
            self.hosts_by_heartbeat[e.originator_id] = host
        name = host or self.hosts_by_heartbeat.get(e.originator_id)
        if name is None:
            return
        self.beats[name] = e.timestamp.timestamp()
        self.first_beats.setdefault(name, self.beats[name])
        if name in self.index.hosts:
            self.index.hosts[name].last_beat = self.beats[name]
            self.index.hosts[name].first_beat = self.first_beats[name]

    @staticmethod
    def _account(state: HostState, resources: dict[str, int], sign: int) -> None:
        state.used_vcpus += sign * resources["vcpus"]
        state.used_ram += sign * resources["ram"]
        state.used_disk += sign * resources["disk"]
