"""The network agent: one host's process manager between the event log and its network.

It pulls the notification log from a tracked position (key `network-agent:<host>`), exactly as
the compute worker does, and for each event that may concern its host it converges the networks
and floating addresses the event touches to what the host must hold (plans.desired),
through the HostNetwork, DhcpServer and NatRules backends:

- a network with ports of live instances on this host: its segment and bridge (with the
  subnet's gateway address) exist and are up, and its dnsmasq runs with exactly the
  reservations of those ports (`DhcpServer.start` restarts or only reloads as needed);
- a network without any: its dnsmasq is stopped, its DHCP state (leases too) removed, and its
  segment and bridge removed (unless a live network holds the same segmentation id, which a
  deleted network's id may be reused for);
- a floating address mapped to a port on this host: its DNAT/SNAT rules; otherwise, if this
  host holds rules for it, they are removed.

What the host must hold is planned once per batch of notifications, after the batch is read
(so from state at least as new as all its events), not once per event: planning loads the node
and every live instance, port and network here, and an agent behind by N events with M servers
would otherwise load N x M aggregates. The events are still handled one by one, in order, each
converging what it touches that no earlier event of the batch has converged (the plan being the
same, converging again would change nothing), so each change is recorded once, under the
request of the first event of the batch that touches it. (Event by event, an agent behind did
the same: it too read the state as it is now, not as it was at the event.)

Every call is idempotent and keyed by segmentation id, network id or floating address, so a
replay after a crash (the position only moves past an event once its actions are done) ends
where running once does. Between batches a reconciler pass compares what should exist with what
the host holds and restores it, recording the drift (network_drift.NetworkDrift) first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address
from uuid import UUID

from domain.app import SkyLedger
from domain.base import Entity
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.network.backends import (
    DhcpServer,
    HostNetwork,
    NatRules,
    PortFilters,
    SegmentState,
)
from domain.network.dhcp_hosting import dhcp_hosting_id
from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.network.port import Port
from domain.network.router import Router
from domain.process.backends import PositionStore
from domain.process.effects import recording
from domain.process.host_changes import HostChanges, cause_of
from domain.process.loop import FollowerLoop
from domain.process.network.agent_reconciler import AgentReconciler
from domain.process.network.drift import Drift, NetworkDriftService
from domain.process.network.plans import (
    DHCP_HOSTING_EVENTS,
    FLOATING_EVENTS,
    SUBNET_EVENTS,
    TOPICS,
    HostWant,
    NetworkWant,
    desired,
    on_host,
)
from domain.process.network.router_plans import ROUTER_EVENTS, ROUTER_TOPICS
from domain.process.network.router_work import RouterWork
from domain.process.network.security_plans import SECURITY_EVENTS, SECURITY_TOPICS, desired_filters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkAgentConfig:
    host: str
    poll_interval: float = 0.2
    reconcile_interval: float = 10.0
    batch_size: int = 100

    @property
    def position_name(self) -> str:
        return f"network-agent:{self.host}"

    @property
    def user_id(self) -> str:
        return f"network:{self.host}"


class NetworkAgent(FollowerLoop):
    role = "network agent"
    topics = TOPICS + SECURITY_TOPICS + ROUTER_TOPICS

    def __init__(self, app: SkyLedger, network: HostNetwork, dhcp: DhcpServer, nat: NatRules,
                 positions: PositionStore, drift: NetworkDriftService, config: NetworkAgentConfig,
                 clock: Callable[[], float] = time.monotonic,
                 filters: PortFilters | None = None,
                 routers: RouterWork | None = None) -> None:
        self.app, self.network, self.dhcp, self.nat = app, network, dhcp, nat
        self.filters, self.routers = filters, routers
        self.positions, self.drift, self.config, self.clock = positions, drift, config, clock
        self.host = config.host
        self.segment_type = str(network.network_type.value)
        self.position = positions.get(config.position_name)
        self.changes = HostChanges(app)
        self.reconciles = 0  # completed reconciler passes
        self.plans = 0  # desired() computed for a batch of events (not for the reconciler)
        self._next_reconcile = 0.0
        self._plan: HostWant | None = None
        self._settled_networks: set[str] = set()  # converged for this batch's plan
        self._settled_addresses: set[IPv4Address] = set()
        self._settled_filters = False
        self._ctx = RequestContext(user_id=config.user_id)  # of the event being handled
        super().__init__()

    def begin_batch(self) -> None:
        """A new batch needs a new plan: the one made for the last may predate its events."""
        self._plan = None
        self._settled_networks.clear()
        self._settled_addresses.clear()
        self._settled_filters = False
        if self.routers is not None:
            self.routers.begin_batch()

    def plan(self) -> HostWant:
        """What the host must hold, computed at the first event of the batch that needs it."""
        if self._plan is None:
            self._plan = desired(self.app, self.host)
            self.plans += 1
        return self._plan

    def handle(self, event: Entity.Event) -> bool:
        """Converge for the event; what that changed is recorded under its request's id."""
        meta = getattr(event, "meta", None) or {}
        ctx = RequestContext(user_id=self.config.user_id, project_id=meta.get("project_id"),
                             request_id=str(meta.get("request_id") or "req-unknown"))
        self._ctx = ctx
        with recording(ctx) as traced:
            acted = self.converge_for(event)
            if traced.effects:
                self.changes.applied(traced, self.host, cause_of(event))
        return acted

    def converge_for(self, event: Entity.Event) -> bool:
        if isinstance(event, ROUTER_EVENTS):
            return self._router_event(event)
        if isinstance(event, FLOATING_EVENTS):
            return self._routers_for_floating() | self._floating_event(event)
        if isinstance(event, SUBNET_EVENTS + DHCP_HOSTING_EVENTS):
            return self._network_event(event)
        if isinstance(event, SECURITY_EVENTS):
            return self.converge_filters()
        if isinstance(event, Instance.HostClaimed) and event.host != self.host:
            return False
        instance = self.app.find(event.originator_id)
        if not isinstance(instance, Instance) or not instance.ports:
            return False
        network_ids = sorted({p["network_id"] for p in instance.ports})
        if not (on_host(instance, self.host) or any(self._holds(n) for n in network_ids)):
            return False
        self.converge_filters()  # the host's set of ports may have changed
        # What earlier events of the batch converged is as this batch's plan wants it already.
        networks = [n for n in network_ids if n not in self._settled_networks]
        addresses = self._unsettled_addresses(instance)
        if networks or addresses:
            want = self.plan()
            for network_id in networks:
                self.converge_network(network_id, want)
                self._settled_networks.add(network_id)
            for address in addresses:
                self.converge_address(address, want)
                self._settled_addresses.add(address)
        return True

    def _unsettled_addresses(self, instance: Instance) -> list[IPv4Address]:
        """The floating addresses of the instance's ports not yet converged in this batch."""
        found = []
        for attached in instance.ports:
            port = self.app.find(UUID(attached["id"]))
            if isinstance(port, Port) and port.floating_ip:
                address = IPv4Address(port.floating_ip)
                if address not in self._settled_addresses and address not in found:
                    found.append(address)
        return found

    def _network_event(self, event: Entity.Event) -> bool:
        """A served network's subnets changed or it went; or one (un)scheduled to our DHCP."""
        if isinstance(event, DHCP_HOSTING_EVENTS):
            network_id = str(getattr(event, "network_id", ""))
            if event.originator_id != dhcp_hosting_id(self.host):
                return False
        elif not self._holds(network_id := event.originator_id.hex):
            return False
        return self._converge_once(network_id)

    def _converge_once(self, network_id: str) -> bool:
        """The network as this batch's plan wants it (once: the plan is the batch's)."""
        if network_id not in self._settled_networks:
            self.converge_network(network_id, self.plan())
            self._settled_networks.add(network_id)
        return True

    def _router_event(self, event: Entity.Event) -> bool:
        """A router changed: placed here if it runs nowhere yet; if it runs here, the bridges
        its legs plug into first, then its namespace."""
        router = self.app.find(event.originator_id)
        if self.routers is None or not isinstance(router, Router):
            return False
        unplaced = router.host is None
        if not isinstance(event, Router.Unscheduled):  # an admin took it off its agent
            router = self.routers.place(self._ctx, router)
        router_id = router.id.hex
        if router.host != self.host and router_id not in self.routers.present():
            return False
        # This batch's plan predates the placement or the move (host NAT, router networks).
        if unplaced or isinstance(event, Router.Moved):
            self.begin_batch()
        for network_id in self.routers.networks_of(router):
            self._converge_once(network_id)
        self.routers.converge(router_id)
        # The host's NAT follows what the router translates now (an unscheduled one: nothing).
        for address in sorted(set(self.nat.list_rules()) | self.routers.floating_of(router_id)
                              | set(self.plan().nat)):
            if address not in self._settled_addresses:
                self.converge_address(address, self.plan())
                self._settled_addresses.add(address)
        return True

    def _routers_for_floating(self) -> bool:
        """Floating IPs of ports behind this host's routers are translated by the routers: a
        (dis)association converges them again (once per batch; unchanged NAT is a no-op)."""
        if self.routers is None or not (self.routers.plan() or self.routers.present()):
            return False
        self.routers.converge_all()
        return True

    def _floating_event(self, event: Entity.Event) -> bool:
        floating = self.app.find(event.originator_id)
        if not isinstance(floating, FloatingIp):
            return False
        address = IPv4Address(floating.address)
        instance = self.app.find(UUID(floating.instance_id)) if floating.instance_id else None
        if not on_host(instance, self.host) and address not in self.nat.list_rules():
            return False
        if address not in self._settled_addresses:  # else converged for this batch's plan
            self.converge_address(address, self.plan())
            self._settled_addresses.add(address)
        return True

    # -- converging one network / one address ---------------------------------------------------
    def converge_network(self, network_id: str, want: HostWant) -> None:
        wanted = want.networks.get(network_id)
        if wanted is not None:
            if wanted.segment_type != self.segment_type:
                log.error("host %s: network %s is %s, this agent makes %s segments", self.host,
                          network_id, wanted.segment_type, self.segment_type)
                return
            self.apply(wanted)
            return
        network = self.app.find(UUID(network_id))
        if not isinstance(network, Network) or network.segment_type != self.segment_type:
            return
        if network_id in self.dhcp.known():  # a server, or the state one killed agent left
            log.info("host %s: stopping DHCP of network %s", self.host, network_id)
            self.dhcp.stop(network_id)
        sid = network.segmentation_id
        if sid not in want.by_segment(self.segment_type) and self.network.segment(sid):
            log.info("host %s: removing segment %d (network %s)", self.host, sid, network_id)
            self.network.remove_segment(sid)

    def apply(self, wanted: NetworkWant, restart_dhcp: bool = False) -> SegmentState:
        before = self.network.segment(wanted.segmentation_id)
        state = self.network.ensure_segment(wanted.spec)
        # dnsmasq binds to the bridge's address: one that moved (the gateway handed to a
        # router, the DHCP server's own address instead) needs a new server.
        restart_dhcp |= before is not None and before.addresses != state.addresses
        config = wanted.dhcp_config(state.bridge, state.mtu)
        if restart_dhcp:  # dnsmasq binds to the bridge: a new bridge needs a new server
            self.dhcp.restart(config, wanted.hosts)
        else:
            self.dhcp.start(config, wanted.hosts)
        return state

    def converge_address(self, address: IPv4Address, want: HostWant) -> None:
        mapping = want.nat.get(address)
        if mapping is not None:
            self.nat.associate(mapping)
        elif address in self.nat.list_rules():
            log.info("host %s: removing NAT of %s", self.host, address)
            self.nat.disassociate(address)

    def converge_filters(self) -> bool:
        """Every port filter of the host, in one transaction, once per batch (the plan, read
        after the batch, already holds what its later events changed)."""
        if self.filters is None:
            return False
        if not self._settled_filters:
            self.filters.apply(desired_filters(self.app, self.host))
            self._settled_filters = True
        return True

    def _holds(self, network_id: str) -> bool:
        network = self.app.find(UUID(network_id))
        if not isinstance(network, Network) or network.segment_type != self.segment_type:
            return False
        return (self.network.segment(network.segmentation_id) is not None
                or network_id in self.dhcp.known())

    # -- the reconciler (agent_reconciler.py) ----------------------------------------------------
    def reconcile(self) -> list[Drift]:
        drifts = AgentReconciler(self).reconcile()
        self.reconciles += 1
        return drifts

    # -- the loop ------------------------------------------------------------------------------
    def run_once(self) -> None:
        self.follow_log()
        now = self.clock()
        if now >= self._next_reconcile:
            self.reconcile()
            self._next_reconcile = now + self.config.reconcile_interval

