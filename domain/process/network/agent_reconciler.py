"""The network agent's reconciler: what the host holds compared with what the events say it
must (plans.desired, the routers' and the port filters' own plans), each drift recorded
(drift.NetworkDrift) before it is repaired. Split from agent.py, which runs it between batches.
"""

from __future__ import annotations

import logging
from ipaddress import IPv4Address
from typing import Protocol

from domain.app import SkyLedger
from domain.context import RequestContext, new_request_id
from domain.network.backends import DhcpServer, HostNetwork, NatRules, PortFilters, SegmentState
from domain.process.effects import recording
from domain.process.host_changes import HostChanges
from domain.process.network.drift import Drift, NetworkDriftService, describe_segment
from domain.process.network.plans import HostWant, NetworkWant, desired
from domain.process.network.router_work import RouterWork
from domain.process.network.security_plans import desired_filters


class AgentIdentity(Protocol):
    @property
    def user_id(self) -> str: ...


class ReconciledAgent(Protocol):
    """What the reconciler uses of the network agent (agent.py's NetworkAgent), named here so
    that the two modules do not import each other."""

    @property
    def app(self) -> SkyLedger: ...
    @property
    def host(self) -> str: ...
    @property
    def segment_type(self) -> str: ...
    @property
    def config(self) -> AgentIdentity: ...
    @property
    def network(self) -> HostNetwork: ...
    @property
    def dhcp(self) -> DhcpServer: ...
    @property
    def nat(self) -> NatRules: ...
    @property
    def filters(self) -> PortFilters | None: ...
    @property
    def routers(self) -> RouterWork | None: ...
    @property
    def drift(self) -> NetworkDriftService: ...
    @property
    def changes(self) -> HostChanges: ...
    def catch_up(self) -> int: ...
    def apply(self, wanted: NetworkWant, restart_dhcp: bool = False) -> SegmentState: ...

log = logging.getLogger(__name__)


class AgentReconciler:
    def __init__(self, agent: ReconciledAgent) -> None:
        self.agent = agent

    def look(self) -> tuple[HostWant, dict[tuple[str, str], Drift]]:
        self.agent.catch_up()  # nothing this agent does is half done while it looks
        want = desired(self.agent.app, self.agent.host)
        wanted = want.by_segment(self.agent.segment_type)
        segments, running, known = (self.agent.network.list_segments(), self.agent.dhcp.running(),
                                    self.agent.dhcp.known())
        rules = self.agent.nat.list_rules()
        found: list[Drift] = []
        for sid, net in sorted(wanted.items()):
            state = segments.get(sid)
            if state is None or not state.satisfies(net.spec):
                found.append(Drift("segment", net.network_id, describe_segment(sid, state)))
            elif net.network_id not in running:
                found.append(Drift("dhcp", net.network_id, "dnsmasq is not running"))
        found += [Drift("stray-segment", str(sid), "no live instance here needs it")
                  for sid in sorted(set(segments) - set(wanted))]
        live = {n.network_id for n in wanted.values()}
        found += [Drift("stray-dhcp", nid, "no live instance here needs it")
                  for nid in sorted(running - live)]
        # An agent killed between stopping a server and removing its directory leaves one.
        found += [Drift("stray-dhcp-state", nid, "no server, and no live instance here needs it")
                  for nid in sorted(known - running - live)]
        for address, mapping in sorted(want.nat.items()):
            rule = rules.get(address)
            if rule is None or not rule.matches(mapping):
                found.append(Drift("nat", str(address), f"want {address} <-> {mapping.fixed_ip},"
                                   f" found {rule}"))
        found += [Drift("stray-nat", str(a), "no port on this host has it")
                  for a in sorted(set(rules) - set(want.nat))]
        if self.agent.routers is not None:
            found += [Drift(kind, key, detail) for kind, key, detail in self.agent.routers.drifts()]
        if self.agent.filters is not None and not self.agent.filters.applied() and any(
                port.enabled for port in desired_filters(self.agent.app, self.agent.host)):
            found.append(Drift("security-groups", self.agent.host,
                               "the port filter tables are missing"))
        return want, {d.ident: d for d in found}

    def reconcile(self) -> list[Drift]:
        """Restore what should exist, remove what nothing explains; each recorded first. Only
        what two looks (with a catch-up between) both see is drift: an event committed meanwhile
        is acted on by the agent itself."""
        _, first = self.look()
        drifts: list[Drift] = []
        if first:
            want, second = self.look()
            drifts = [d for ident, d in second.items() if ident in first]
            ctx = RequestContext(user_id=self.agent.config.user_id, request_id=new_request_id())
            for drift in drifts:
                with recording(ctx) as traced:
                    self.settle(ctx, drift, want)
                    if traced.effects:
                        self.agent.changes.applied(
                            traced, self.agent.host,
                            f"drift {drift.kind} {drift.key} {ctx.request_id}")
        return drifts

    def settle(self, ctx: RequestContext, drift: Drift, want: HostWant) -> None:
        resolution = "removed" if drift.kind.startswith("stray-") else "restored"
        log.warning("host %s: network drift %s %s (%s): %s", self.agent.host, drift.kind,
                    drift.key, drift.detail, resolution)
        self.agent.drift.record(ctx, self.agent.host, drift.kind, drift.key, drift.detail,
                                resolution)
        if drift.kind == "segment":
            self.agent.apply(want.networks[drift.key], restart_dhcp=True)
        elif drift.kind == "dhcp":
            self.agent.apply(want.networks[drift.key])
        elif drift.kind == "nat":
            self.agent.nat.associate(want.nat[IPv4Address(drift.key)])
        elif drift.kind == "stray-segment":
            self.agent.network.remove_segment(int(drift.key))
        elif drift.kind in ("stray-dhcp", "stray-dhcp-state"):
            self.agent.dhcp.stop(drift.key)
        elif drift.kind == "security-groups" and self.agent.filters is not None:
            self.agent.filters.apply(desired_filters(self.agent.app, self.agent.host))
        elif drift.kind in ("router", "stray-router") and self.agent.routers is not None:
            self.agent.routers.repair(drift.key)
        elif drift.kind == "stray-nat":
            self.agent.nat.disassociate(IPv4Address(drift.key))
