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
from domain.network.backends import DhcpHost, FloatingIpMapping, SegmentSpec
from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.network.port import Port
from domain.process.compute.plans import hosts_of

INSTANCE_EVENTS: tuple[type[Instance.Event], ...] = (
    Instance.PortsAttached, Instance.HostClaimed, Instance.SpawnFailed,
    Instance.BuildAborted, Instance.ActionRequested, Instance.ActionSucceeded,
    Instance.ActionFailed, Instance.Deleted)
FLOATING_EVENTS: tuple[type[FloatingIp.Event], ...] = (
    FloatingIp.Associated, FloatingIp.Disassociated)
# A subnet's gateway, DNS servers or existence changes what the network's DHCP server says.
SUBNET_EVENTS: tuple[type[Network.Event], ...] = (
    Network.SubnetAdded, Network.SubnetUpdated, Network.SubnetRemoved)
TOPICS: tuple[str, ...] = tuple(get_topic(c) for c in
                                INSTANCE_EVENTS + FLOATING_EVENTS + SUBNET_EVENTS)


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

    @property
    def gateway(self) -> IPv4Interface:
        address = self.gateway_ip or self.subnet.network_address + 1
        return IPv4Interface(f"{address}/{self.subnet.prefixlen}")

    @property
    def spec(self) -> SegmentSpec:
        return SegmentSpec(self.segmentation_id, self.gateway)


@dataclass(frozen=True)
class HostWant:
    networks: dict[str, NetworkWant] = field(default_factory=dict)
    nat: dict[IPv4Address, FloatingIpMapping] = field(default_factory=dict)

    def by_segment(self, segment_type: str) -> dict[int, NetworkWant]:
        return {n.segmentation_id: n for n in self.networks.values()
                if n.segment_type == segment_type}


def on_host(instance: Any, host: str) -> bool:
    return isinstance(instance, Instance) and not instance.deleted and host in hosts_of(instance)


def mapped_address(app: SkyLedger, port: Port) -> IPv4Address:
    """The fixed IP the port's floating IP maps to: the one chosen when it was associated
    (Neutron's fixed_ip_address, of a port with several), else the port's first."""
    record = app.find(UUID(port.floating_ip_id)) if port.floating_ip_id else None
    chosen = (record.fixed_ip if isinstance(record, FloatingIp)
              and record.port_id == port.id.hex else None)
    return IPv4Address(chosen or port.fixed_ip)


def desired(app: SkyLedger, host: str) -> HostWant:
    """Every network and floating address the live instances on `host` need there."""
    node = app.find(node_id(host))
    if not isinstance(node, ComputeNode):
        return HostWant()
    claimed = sorted({UUID(key.split(":")[0]) for key in node.claims})
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
            if port.floating_ip:
                floating = IPv4Address(port.floating_ip)
                nat[floating] = FloatingIpMapping(floating, mapped_address(app, port))
    return HostWant({net_id: want(network, hosts[net_id])
                     for net_id, network in networks.items()}, nat)


def primary_network(network: Network) -> IPv4Network | None:
    """The IPv4 subnet the host's bridge and DHCP server serve (the network's first)."""
    spec = network.primary_subnet()
    return None if spec is None else IPv4Network(spec.cidr)


def want(network: Network, hosts: list[DhcpHost]) -> NetworkWant:
    spec = network.primary_subnet()
    assert spec is not None  # `desired` keeps only networks that have one
    gateway = IPv4Address(spec.gateway_ip) if spec.gateway_ip else None
    return NetworkWant(network.id.hex, network.segment_type, network.segmentation_id,
                       IPv4Network(spec.cidr), tuple(sorted(hosts, key=lambda h: h.mac)),
                       gateway, tuple(IPv4Address(s) for s in spec.dns_nameservers))
