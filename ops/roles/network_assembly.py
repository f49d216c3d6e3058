"""How a network agent is assembled: its adapters in a namespace, and the agent over them
(the composition root, ops/bootstrap.py, and the agent's tests build it this way)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from adapters.network.dnsmasq import DnsmasqDhcp
from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.metadata_server import MetadataServer
from adapters.network.nft_nat import NftNatRules
from adapters.network.nft_port_filters import NftPortFilters
from adapters.network.router_namespaces import NamespaceRouters
from adapters.network.segments import segment_driver
from adapters.notify import woken_by_notify
from adapters.positions import ProcessPositions
from domain.app import SkyLedger
from domain.network.backends import NetworkError
from domain.network.config import NetworkConfig
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.process.network.drift import NetworkDriftService
from domain.process.network.metadata import GuestMetadata
from domain.process.network.router_plans import ExternalSide
from domain.process.network.router_work import RouterWork
from domain.services.network.routers import RouterService
from projections.store import ReadStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentAdapters:
    network: PyrouteHostNetwork
    dhcp: DnsmasqDhcp
    nat: NftNatRules
    filters: NftPortFilters
    # Routers as namespaces (None: this agent runs none), and where their gateways on the
    # public pool plug in (None: routers here have no way out).
    routers: NamespaceRouters | None = None
    external: ExternalSide | None = None


def agent_adapters(segment_type: str, physical_interface: str, state_dir: Path,
                   netns: str | None = None, external_interface: str | None = None,
                   router_prefix: str | None = None, external: ExternalSide | None = None,
                   ) -> AgentAdapters:
    return AgentAdapters(
        PyrouteHostNetwork(segment_driver(segment_type, physical_interface), netns=netns),
        DnsmasqDhcp(state_dir, netns=netns),
        NftNatRules(netns=netns, external_interface=external_interface),
        NftPortFilters(netns=netns),
        None if router_prefix is None else NamespaceRouters(
            netns, router_prefix, radvd_dir=radvd_dir_beside(state_dir)), external)


def radvd_dir_beside(dhcp_dir: Path) -> Path:
    """The routers' radvd files: beside the DHCP directory, which holds only one directory
    per network served."""
    return dhcp_dir.with_name(f"{dhcp_dir.name}-radvd")


def assemble_agent(app: SkyLedger, store: ReadStore, adapters: AgentAdapters,
                   config: NetworkAgentConfig) -> NetworkAgent:
    routers = None if adapters.routers is None else RouterWork(
        app, config.host, adapters.routers, RouterService(app, NetworkConfig()),
        adapters.external)  # placing a router reads no network configuration
    return woken_by_notify(NetworkAgent(app, adapters.network, adapters.dhcp, adapters.nat,
                                        ProcessPositions(store), NetworkDriftService(app),
                                        config, filters=adapters.filters, routers=routers))


def start_metadata_service(app: SkyLedger, host: str, zone: str, netns: str | None,
                           ) -> Callable[[], None]:
    """The metadata service of `host`'s guests, started; what stops it. A server that cannot
    start (169.254.169.254:80 taken by another) leaves the agent running without it: its
    networks matter more than its guests' metadata, and the error is logged."""
    try:
        server = MetadataServer(GuestMetadata(app, host, zone), netns=netns).start()
    except NetworkError:
        log.exception("host %s: no metadata service", host)
        return lambda: None
    return server.stop
