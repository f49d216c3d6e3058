"""Wiring a network agent for one host: settings -> adapters -> a running `NetworkAgentHost`.

Settings used: `host`, `segment_type` (vlan | vxlan), `physical_interface`, `network_namespace`
(run the adapters inside it; unset: this process's own, the production case), `data_dir`
(dnsmasq state goes to `<data_dir>/dhcp/<host>`), `database_url`, `external_interface` (floating
addresses are bound there and SNAT applies to traffic leaving through it; unset: rules only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.network.dnsmasq import DnsmasqDhcp
from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.nft_nat import NftNatRules
from adapters.network.segments import segment_driver
from adapters.positions import ProcessPositions
from adapters.settings import Settings
from domain.app import SkyLedger
from domain.process.network_agent import NetworkAgent, NetworkAgentConfig
from domain.process.network_drift import NetworkDriftService
from ops.process_threads import RunningLoop, open_stores
from projections.store import ReadStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentAdapters:
    network: PyrouteHostNetwork
    dhcp: DnsmasqDhcp
    nat: NftNatRules


def dhcp_dir_for(settings: Settings, host: str) -> Path:
    return settings.data_dir / "dhcp" / host


def host_adapters(segment_type: str, physical_interface: str, state_dir: Path,
                  netns: str | None = None, external_interface: str | None = None,
                  ) -> AgentAdapters:
    return AgentAdapters(
        PyrouteHostNetwork(segment_driver(segment_type, physical_interface), netns=netns),
        DnsmasqDhcp(state_dir, netns=netns),
        NftNatRules(netns=netns, external_interface=external_interface))


def assemble_agent(app: SkyLedger, store: ReadStore, adapters: AgentAdapters,
                   config: NetworkAgentConfig) -> NetworkAgent:
    return NetworkAgent(app, adapters.network, adapters.dhcp, adapters.nat,
                        ProcessPositions(store), NetworkDriftService(app), config)


class NetworkAgentHost(RunningLoop):
    role = "network agent"

    @property
    def agent(self) -> NetworkAgent:
        return self.loop  # type: ignore[no-any-return]


def open_network_agent(settings: Settings, host: str | None = None, netns: str | None = None,
                       external_interface: str | None = None,
                       **overrides: Any) -> NetworkAgentHost:
    """An agent with its own connections to the event store (for `skyledger network-agent`)."""
    config = NetworkAgentConfig(host=host or settings.host, **overrides)
    netns = netns or settings.network_namespace
    external = external_interface or settings.external_interface
    closers: list[Callable[[], None]] = []
    try:
        app, store = open_stores(settings, closers)
        adapters = host_adapters(settings.segment_type, settings.physical_interface,
                                 dhcp_dir_for(settings, config.host), netns, external)
        closers.append(adapters.network.close)
        agent = assemble_agent(app, store, adapters, config)
    except BaseException:
        for close in reversed(closers):
            close()
        raise
    return NetworkAgentHost(agent, closers)
