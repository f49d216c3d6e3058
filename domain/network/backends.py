"""The network backends: what a network process manager asks of a host, in domain terms.

A project's network lives on a host as a *segment* (an 802.1Q sub-interface or a VXLAN device,
told apart by the segmentation id the domain allocated) plus a bridge that the project's guests
are plugged into. Every action is keyed by that segmentation id (segments), a network id (DHCP)
or a floating address (NAT), never by a handle the kernel hands out: the adapters derive every
name from the key, so an agent killed half-way replays the same call and finds what it already
made. Every action is idempotent, and every backend can read back what the host really holds, so a
reconciler can compare it with the events and record the drift.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from domain.network.port_filters import PortFilter


class NetworkError(Exception):
    """The host refused or failed a network action (the message says why)."""


class SegmentationUnsupported(NetworkError):
    """The host's kernel cannot make this kind of segment (e.g. no 802.1Q support)."""


class SegmentConflict(NetworkError):
    """An interface already holds the segment's name but is something else: never overwritten."""


class NetworkType(enum.StrEnum):
    """Neutron's `provider:network_type` values for the segment types skyledger can make."""

    VLAN = "vlan"
    VXLAN = "vxlan"


# 0 and 4095 are reserved by 802.1Q; a VNI is 24 bits and 0 is avoided by convention.
SEGMENTATION_ID_RANGES = {NetworkType.VLAN: (1, 4094), NetworkType.VXLAN: (1, 2**24 - 1)}


def check_segmentation_id(network_type: NetworkType, segmentation_id: int) -> None:
    low, high = SEGMENTATION_ID_RANGES[network_type]
    if not low <= segmentation_id <= high:
        raise ValueError(f"{network_type} segmentation id {segmentation_id} not in {low}..{high}")


@dataclass(frozen=True)
class SegmentSpec:
    """What a host must hold for one project network."""

    segmentation_id: int
    # The host's own address on the bridge: the project subnet's router, which DHCP hands out
    # and floating-IP NAT routes through. None for a pure layer-2 segment.
    gateway: IPv4Interface | None = None


@dataclass(frozen=True)
class SegmentState:
    """One segment as read back from the host, whole or in parts (for drift detection)."""

    network_type: NetworkType
    segmentation_id: int
    bridge: str  # the name guests' interfaces are plugged into
    segment_interface: str
    bridge_exists: bool
    segment_exists: bool
    segment_attached: bool  # the segment interface is enslaved to the bridge
    bridge_up: bool
    segment_up: bool
    addresses: frozenset[IPv4Interface] = frozenset()  # IPv4 addresses on the bridge
    members: frozenset[str] = frozenset()  # other interfaces in the bridge (guests' taps)
    mtu: int | None = None  # the bridge's MTU: a VXLAN segment costs 50 bytes of it

    @property
    def complete(self) -> bool:
        return all((self.bridge_exists, self.segment_exists, self.segment_attached,
                    self.bridge_up, self.segment_up))

    def satisfies(self, spec: SegmentSpec) -> bool:
        """Whether nothing needs doing for `spec` (what a reconciler checks)."""
        if spec.segmentation_id != self.segmentation_id or not self.complete:
            return False
        return spec.gateway is None or self.addresses == {spec.gateway}


class HostNetwork(Protocol):
    """One host's project segments, of one network type, on one physical interface."""

    @property
    def network_type(self) -> NetworkType: ...

    def ensure_segment(self, spec: SegmentSpec) -> SegmentState:
        """Create whatever part of the segment and bridge is missing (interfaces, enslaving,
        link state, gateway address, which replaces any other IPv4 address on the bridge) and
        return the result read back; a no-op when complete.
        Raises SegmentConflict when a name is taken by something else, and
        SegmentationUnsupported when the kernel cannot make the segment at all."""

    def remove_segment(self, segmentation_id: int) -> None:
        """Delete the segment interface and the bridge; already gone is success."""

    def segment(self, segmentation_id: int) -> SegmentState | None:
        """None when neither the bridge nor the segment interface exists."""

    def list_segments(self) -> dict[int, SegmentState]:
        """Every segment of this port's type found on the host, even partial ones."""


_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_NETWORK_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # it names files and processes


@dataclass(frozen=True)
class DhcpHost:
    """A reservation: the port with this MAC always gets this fixed IP."""

    mac: str
    ip: IPv4Address
    hostname: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac", self.mac.lower())
        if not _MAC.match(self.mac):
            raise ValueError(f"not a MAC address: {self.mac!r}")
        if self.hostname is not None and not re.match(r"^[A-Za-z0-9-]{1,63}$", self.hostname):
            raise ValueError(f"not a host name: {self.hostname!r}")


METADATA_ADDRESS = "169.254.169.254"  # where guests find the metadata service (Nova's, EC2's)


@dataclass(frozen=True)
class DhcpNetwork:
    """One project network as its DHCP server sees it."""

    network_id: str
    bridge: str  # the server listens here only; the bridge must carry an address in `subnet`
    subnet: IPv4Network
    gateway: IPv4Address | None = None  # handed out as the default router
    lease_seconds: int = 86400
    mtu: int | None = None  # handed out too: guests on VXLAN need the smaller MTU
    dns_servers: tuple[IPv4Address, ...] = ()
    # The bridge's own address when the gateway is another's (a router's): guests are given a
    # route to the metadata service (169.254.169.254) through it, as Neutron's DHCP agent does
    # for isolated metadata, since their gateway does not hold the service.
    metadata_via: IPv4Address | None = None

    def __post_init__(self) -> None:
        if not _NETWORK_ID.match(self.network_id):
            raise ValueError(f"network id must match {_NETWORK_ID.pattern}: {self.network_id!r}")
        for name, address in (("gateway", self.gateway), ("metadata route", self.metadata_via)):
            if address is not None and address not in self.subnet:
                raise ValueError(f"{name} {address} is outside {self.subnet}")
        if self.lease_seconds < 120:
            raise ValueError("leases shorter than 2 minutes are refused by dnsmasq")

    def check_hosts(self, hosts: Iterable[DhcpHost]) -> None:
        seen_ips: set[IPv4Address] = set()
        for host in hosts:
            if host.ip not in self.subnet:
                raise ValueError(f"{host.ip} ({host.mac}) is outside {self.subnet}")
            if host.ip in seen_ips:
                raise ValueError(f"{host.ip} is reserved twice")
            seen_ips.add(host.ip)


class DhcpServer(Protocol):
    """One DHCP server per project network on this host, answering only its reservations."""

    def start(self, network: DhcpNetwork, hosts: Iterable[DhcpHost]) -> None:
        """Make the server run with exactly this configuration and these reservations: start it,
        restart it when its configuration changed, or only reload its reservations."""

    def reload(self, network: DhcpNetwork, hosts: Iterable[DhcpHost]) -> None:
        """Replace the reservations without a restart; a server found dead is started."""

    def restart(self, network: DhcpNetwork, hosts: Iterable[DhcpHost]) -> None:
        """A new server process (as a new bridge needs), keeping the network's leases."""

    def stop(self, network_id: str) -> None:
        """Stop the server for good, the network being gone from this host, and remove its
        state (leases included); not running is success."""

    def running(self) -> set[str]:
        """The network ids whose server is alive."""

    def known(self) -> set[str]:
        """The network ids with state on this host, whether or not their server is alive."""


@dataclass(frozen=True)
class FloatingIpMapping:
    """Traffic to `floating_ip` goes to `fixed_ip`; traffic from `fixed_ip` leaves as it."""

    floating_ip: IPv4Address
    fixed_ip: IPv4Address


@dataclass(frozen=True)
class FloatingIpRules:
    """What the host holds for one floating address, read back part by part."""

    floating_ip: IPv4Address
    dnat_to: IPv4Address | None  # None: no DNAT rule for it
    snat_from: IPv4Address | None  # None: no SNAT rule for it
    address_bound: bool | None  # on the external interface; None: the adapter binds none

    def matches(self, mapping: FloatingIpMapping) -> bool:
        return (
            mapping.floating_ip == self.floating_ip
            and self.dnat_to == mapping.fixed_ip
            and self.snat_from == mapping.fixed_ip
            and self.address_bound is not False
        )


class NatRules(Protocol):
    """Floating IPs on one host."""

    def associate(self, mapping: FloatingIpMapping) -> None:
        """Install the DNAT and SNAT rules (replacing any other rules of this floating address,
        in one transaction); a no-op when they are already there."""

    def disassociate(self, floating_ip: IPv4Address) -> None:
        """Remove the rules and cut the connections they carried; already gone is success."""

    def list_rules(self) -> dict[IPv4Address, FloatingIpRules]:
        """Every floating address that has any rule or bound address, read from the host."""


class PortFilters(Protocol):
    """Security groups on one host: the filters of all its ports, as one ruleset."""

    def apply(self, filters: Sequence[PortFilter]) -> None:
        """Replace the host's whole ruleset with these filters in one transaction."""

    def applied(self) -> bool:
        """Whether the host holds skyledger's ruleset at all (a deleted table is drift)."""
