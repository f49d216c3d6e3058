"""Neutron's allow_automatic_l3agent_failover: a router whose L3 agent stopped beating (its
host's network agent silent for longer than agent_down_time) is moved to a live L3 agent, the
one running the fewest routers.

A process manager over the event log, run beside each network agent (ops/roles/network.py), as
Neutron's server runs its periodic check. It follows the L3 agents' records (registrations,
beats, updates) and the hosts' router ledgers (RouterHosting), so what it knows is the log's,
kept in memory: after a restart it reads the log again and comes to the same view. Deciding
(`failovers`) is pure, with "now" as an input, so a test drives the clock; acting is
AgentSchedulingService.fail_over, which moves a router only while it still runs on the dead
host and that host's agent has not beaten since it was seen dead. A replay, a crash between the
decision and the next pass, or every live host's manager deciding at once move a router once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.base import Entity
from domain.context import RequestContext
from domain.log_follower import read_to_head
from domain.network.agent import NetworkAgentRecord
from domain.network.router_hosting import RouterHosting
from domain.services.network.agent_scheduling import L3_AGENT, AgentSchedulingService

log = logging.getLogger(__name__)

AGENT_EVENTS: tuple[type[Entity.Event], ...] = (
    NetworkAgentRecord.Registered, NetworkAgentRecord.Restarted, NetworkAgentRecord.Beat,
    NetworkAgentRecord.Updated, NetworkAgentRecord.Deleted)
LEDGER_EVENTS: tuple[type[Entity.Event], ...] = (
    RouterHosting.Opened, RouterHosting.Hosted, RouterHosting.Released)
TOPICS = tuple(get_topic(c) for c in AGENT_EVENTS + LEDGER_EVENTS)
BATCH = 500


@dataclass
class L3Agent:
    """One host's L3 agent as its record's events show it."""

    beat: datetime  # its last registration or heartbeat
    version: int  # its record's version (a command checks it is still the one seen)
    admin_state_up: bool = True
    deleted: bool = False

    def alive(self, now: datetime, down_time: timedelta) -> bool:
        return now - self.beat <= down_time


@dataclass(frozen=True)
class Move:
    router_id: str
    from_host: str
    to_host: str
    seen_version: int  # of the dead host's agent record when it was seen dead


def failovers(agents: dict[str, L3Agent], routers: dict[str, set[str]], now: datetime,
              down_time: timedelta) -> list[Move]:
    """The routers of hosts whose enabled L3 agent is down, each to the live enabled agent
    running the fewest (then by host name); none while no agent is alive."""
    load = {host: len(routers.get(host, ())) for host, agent in agents.items()
            if agent.alive(now, down_time) and agent.admin_state_up and not agent.deleted}
    moves: list[Move] = []
    for host in sorted(routers):
        agent = agents.get(host)
        if agent is None or agent.alive(now, down_time) or not agent.admin_state_up:
            continue
        for router_id in sorted(routers[host]):
            if not load:
                return moves
            target = min(load, key=lambda h: (load[h], h))
            load[target] += 1
            moves.append(Move(router_id, host, target, agent.version))
    return moves


@dataclass
class L3Failover:
    app: SkyLedger
    host: str  # the network agent's host it runs beside (for its requests' user)
    down_time: timedelta
    clock: Callable[[], datetime]
    position: int = 0
    agents: dict[str, L3Agent] = field(default_factory=dict)
    routers: dict[str, set[str]] = field(default_factory=dict)  # host -> router ids
    _hosts: dict[UUID, str] = field(default_factory=dict)  # record or ledger id -> host

    def __post_init__(self) -> None:
        self.service = AgentSchedulingService(self.app)

    def run_once(self) -> list[Move]:
        """Follow the log to its head, then move what is due; returns the moves made."""
        self.follow()
        made = []
        for move in failovers(self.agents, self.routers, self.clock(), self.down_time):
            log.warning("L3 agent of %s is down: moving router %s to %s", move.from_host,
                        move.router_id, move.to_host)
            if self.service.fail_over(self.context(), move.router_id, move.from_host,
                                      move.to_host, move.seen_version):
                made.append(move)
        if made:
            self.follow()  # the moves' own ledger events, before the next decision
        return made

    def run(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a conflict or an outage: the next pass retries
                log.exception("host %s: L3 agent failover pass failed", self.host)
            stop.wait(interval)

    def follow(self) -> None:
        self.position = read_to_head(self.app, self.position, TOPICS, BATCH, self.see)

    def see(self, event: Entity.Event) -> None:
        if isinstance(event, LEDGER_EVENTS):
            self._see_ledger(event)
            return
        if isinstance(event, NetworkAgentRecord.Registered | NetworkAgentRecord.Restarted):
            if event.agent_type != L3_AGENT:
                return
            self._hosts[event.originator_id] = event.host
            self.agents[event.host] = L3Agent(event.timestamp, event.originator_version)
            return
        host = self._hosts.get(event.originator_id)
        agent = self.agents.get(host) if host is not None else None
        if agent is None:
            return
        agent.version = event.originator_version
        if isinstance(event, NetworkAgentRecord.Beat):
            agent.beat = event.timestamp
        elif isinstance(event, NetworkAgentRecord.Updated):
            agent.admin_state_up = event.admin_state_up
        elif isinstance(event, NetworkAgentRecord.Deleted):
            agent.deleted = True

    def _see_ledger(self, event: Entity.Event) -> None:
        if isinstance(event, RouterHosting.Opened):
            self._hosts[event.originator_id] = event.host
            return
        host = self._hosts.get(event.originator_id)
        if host is None:
            return
        hosted = self.routers.setdefault(host, set())
        if isinstance(event, RouterHosting.Hosted):
            hosted.add(event.router_id)
        elif isinstance(event, RouterHosting.Released):
            hosted.discard(event.router_id)

    def context(self) -> RequestContext:
        return RequestContext(user_id=f"network:{self.host}", project_id=None,
                              request_id=f"req-l3-failover-{self.host}")
