"""What one host's network must hold, decided from current state, and which events wake the
network agent.

The agent is level-triggered like the compute worker: an event only says "look again at these
networks / this floating address"; what to do follows from `desired(app, host)`, computed from
the aggregates as they are now. That is what makes a replay converge instead of repeating
history (a HostClaimed of an instance deleted since then makes nothing).

The instances "on this host" are the claims on the host's ComputeNode ledger (every instance
holding resources here, both ends of a resize included), filtered by `hosts_of` and `deleted`.
DHCP reservations are those of the network's ports on *this* host only: the local dnsmasq only
has to answer the guests plugged into the local bridge, an event on another host never reloads
it, and with a multicast VXLAN underlay two hosts' servers never both answer one guest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.network.backends import DhcpHost, DhcpNetwork, FloatingIpMapping, SegmentSpec
from domain.network.dhcp_hosting import DhcpHosting, dhcp_hosting_id
from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.port import Port
from domain.process.compute.plans import hosts_of
from domain.process.network.router_plans import (
    behind_router,
    floating_network,
    hosted_routers,
    mapped_fixed_ip,
)

INSTANCE_EVENTS: tuple[type[Instance.Event], ...] = (
    Instance.PortsAttached, Instance.HostClaimed, Instance.SpawnFailed,
    Instance.BuildAborted, Instance.ActionRequested, Instance.ActionSucceeded,
    Instance.ActionFailed, Instance.Deleted)
FLOATING_EVENTS: tuple[type[FloatingIp.Event], ...] = (
    FloatingIp.Associated, FloatingIp.Disassociated)
# A subnet's gateway, DNS servers or existence changes what the network's DHCP server says;
# a network scheduled to a DHCP agent may be deleted without ports ever being on its host.
SUBNET_EVENTS: tuple[type[Network.Event], ...] = (
    Network.SubnetAdded, Network.SubnetUpdated, Network.SubnetRemoved, Network.Deleted)
# A network scheduled to, or taken off, a host's DHCP agent.
DHCP_HOSTING_EVENTS: tuple[type[DhcpHosting.Event], ...] = (
    DhcpHosting.Scheduled, DhcpHosting.Unscheduled)
TOPICS: tuple[str, ...] = tuple(get_topic(c) for c in INSTANCE_EVENTS + FLOATING_EVENTS
                                + SUBNET_EVENTS + DHCP_HOSTING_EVENTS)


@dataclass(frozen=True)
class NetworkWant:
    """One project network as this host must hold it."""

    network_id: str  # hex: names the dnsmasq instance
    segment_type: str
    segmentation_id: int
    subnet: IPv4Network
    hosts: tuple[DhcpHost, ...]  # the reservations of this host's ports, sorted by MAC
    gateway_ip: IPv4Address | None = None  # the subnet's gateway; None: its first address
    dns_servers: tuple[IPv4Address, ...] = ()  # the subnet's dns_nameservers, handed out
    # The DHCP server's own address once a router holds the gateway (the bridge carries it
    # instead of the gateway, which is the router's on the wire); None: the gateway.
    dhcp_ip: IPv4Address | None = None

    @property
    def gateway(self) -> IPv4Interface:
        address = self.gateway_ip or self.subnet.network_address + 1
        return IPv4Interface(f"{address}/{self.subnet.prefixlen}")

    @property
    def bridge_address(self) -> IPv4Interface:
        if self.dhcp_ip is None:
            return self.gateway
        return IPv4Interface(f"{self.dhcp_ip}/{self.subnet.prefixlen}")

    @property
    def spec(self) -> SegmentSpec:
        return SegmentSpec(self.segmentation_id, self.bridge_address)

    def dhcp_config(self, bridge: str, mtu: int | None) -> DhcpNetwork:
        """What its DHCP server on `bridge` hands out; a router's gateway leaves the metadata
        service (on the bridge's namespace) off the guests' default route: a route to it."""
        return DhcpNetwork(self.network_id, bridge, self.subnet, self.gateway.ip, mtu=mtu,
                           dns_servers=self.dns_servers, metadata_via=self.dhcp_ip)


@dataclass(frozen=True)
class HostWant:
    networks: dict[str, NetworkWant] = field(default_factory=dict)
    nat: dict[IPv4Address, FloatingIpMapping] = field(default_factory=dict)

    def by_segment(self, segment_type: str) -> dict[int, NetworkWant]:
        return {n.segmentation_id: n for n in self.networks.values()
                if n.segment_type == segment_type}


def on_host(instance: Any, host: str) -> bool:
    return isinstance(instance, Instance) and not instance.deleted and host in hosts_of(instance)


def desired(app: SkyLedger, host: str) -> HostWant:
    """Every network and floating address the live instances on `host` need there, the
    networks its routers plug into (a network node may run routers and no instance), and the
    networks scheduled to its DHCP agent (their dnsmasq answers this host's ports only, as
    every host's does)."""
    node = app.find(node_id(host))
    claims = node.claims if isinstance(node, ComputeNode) else {}
    claimed = sorted({UUID(key.split(":")[0]) for key in claims})
    networks: dict[str, Network] = {}
    hosts: dict[str, list[DhcpHost]] = {}
    nat: dict[IPv4Address, FloatingIpMapping] = {}
    for instance_id in claimed:
        instance = app.find(instance_id)
        if not isinstance(instance, Instance) or not on_host(instance, host):
            continue
        for attached in instance.ports:
            port = app.find(UUID(attached["id"]))
            if not isinstance(port, Port) or port.deleted:
                continue
            network = networks.get(port.network_id) or app.find(UUID(port.network_id))
            if not isinstance(network, Network) or network.deleted:
                continue
            subnet = primary_network(network)
            if subnet is None or not port.fixed_ip or IPv4Address(port.fixed_ip) not in subnet:
                continue  # no IPv4 subnet the host serves: nothing to make for this port
            networks[port.network_id] = network
            hosts.setdefault(port.network_id, []).append(
                DhcpHost(port.mac, IPv4Address(port.fixed_ip)))
            # A host translates only the `public` pool's floating IPs (on its external
            # interface), and only those no router translates.
            if (port.floating_ip and floating_network(app, port) == EXTERNAL_NETWORK_ID
                    and behind_router(app, port) is None):
                floating = IPv4Address(port.floating_ip)
                nat[floating] = FloatingIpMapping(floating, mapped_fixed_ip(app, port))
    # The bridges this host's routers plug into, and the networks scheduled to its DHCP agent.
    for network in router_networks(app, host) + scheduled_networks(app, host):
        if network.id.hex not in networks and primary_network(network) is not None:
            networks[network.id.hex] = network
            hosts[network.id.hex] = []
    return HostWant({net_id: want(network, hosts[net_id])
                     for net_id, network in networks.items()}, nat)


def router_networks(app: SkyLedger, host: str) -> list[Network]:
    found: dict[str, Network] = {}
    for router in hosted_routers(app, host):
        ids = [i["network_id"] for i in router.interfaces.values()]
        if router.gateway is not None and router.gateway["network_id"] != EXTERNAL_NETWORK_ID:
            ids.append(router.gateway["network_id"])
        for network_id in ids:
            network = app.find(UUID(network_id))
            if isinstance(network, Network) and not network.deleted:
                found[network_id] = network
    return [found[n] for n in sorted(found)]


def scheduled_networks(app: SkyLedger, host: str) -> list[Network]:
    """The live networks an admin scheduled to this host's DHCP agent (dhcp_agent_scheduler)."""
    hosting = app.find(dhcp_hosting_id(host))
    if not isinstance(hosting, DhcpHosting):
        return []
    found = [app.find(UUID(n)) for n in sorted(hosting.networks)]
    return [n for n in found if isinstance(n, Network) and not n.deleted]


def primary_network(network: Network) -> IPv4Network | None:
    """The IPv4 subnet the host's bridge and DHCP server serve (the network's first)."""
    spec = network.primary_subnet()
    return None if spec is None else IPv4Network(spec.cidr)


def want(network: Network, hosts: list[DhcpHost]) -> NetworkWant:
    spec = network.primary_subnet()
    assert spec is not None  # `desired` keeps only networks that have one
    gateway = IPv4Address(spec.gateway_ip) if spec.gateway_ip else None
    dhcp = network.dhcp_addresses.get(spec.id)
    return NetworkWant(network.id.hex, network.segment_type, network.segmentation_id,
                       IPv4Network(spec.cidr), tuple(sorted(hosts, key=lambda h: h.mac)),
                       gateway, tuple(IPv4Address(s) for s in spec.dns_nameservers),
                       IPv4Address(dhcp) if dhcp else None)
