"""The router port: what the network agent asks of a host for a Neutron router, in domain terms.

A router on a host is a network namespace of its own (named after the router's id) holding one
interface per subnet it joins (its port's MAC and address, the subnet's gateway), plugged into
that network's bridge, and a gateway interface on the external bridge; inside it, forwarding
on, a default route to the external subnet's gateway, the router's extra routes, SNAT of its
subnets to its gateway address, and for each floating IP of a port behind it a 1:1 DNAT/SNAT
(the floating address carried by the gateway interface, so the router answers ARP for it).

`ensure` is idempotent and keyed by the router id and its ports' ids (every name is derived
from them), so an agent killed half-way replays the same call and finds what it made; `state`
reads back what the host really holds, for a reconciler to compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Interface
from typing import Protocol

from domain.network.backends import FloatingIpMapping

# A leg's address: an IPv4 subnet's or an IPv6 one's (routed, never translated).
LegAddress = IPv4Interface | IPv6Interface


@dataclass(frozen=True)
class RouterLeg:
    """One interface of the router: its port (hex id, MAC), its address with the subnet's
    prefix, and the bridge its other end is plugged into; on an IPv6 subnet, the subnet's
    `ipv6_ra_mode` (the router then sends router advertisements there, as Neutron's radvd)."""

    port_id: str
    mac: str
    address: LegAddress
    bridge: str
    ra_mode: str | None = None  # slaac, dhcpv6-stateless or dhcpv6-stateful


@dataclass(frozen=True)
class RouterSpec:
    router_id: str  # hex
    interfaces: tuple[RouterLeg, ...] = ()  # on the subnets it joins, sorted by port id
    gateway: RouterLeg | None = None  # on the external network
    upstream: IPv4Address | None = None  # the external subnet's gateway: the default route
    snat: bool = True  # the joined subnets leave as the gateway's address
    floating: tuple[FloatingIpMapping, ...] = ()  # sorted by floating address
    routes: tuple[tuple[IPv4Network, IPv4Address], ...] = ()  # extra routes, sorted

    def nat(self) -> frozenset[tuple[str, str, str]]:
        """The translations the router must make, as (kind, match, target) triples."""
        if self.gateway is None:
            return frozenset()
        rules = {("dnat", str(m.floating_ip), str(m.fixed_ip)) for m in self.floating}
        rules |= {("snat", str(m.fixed_ip), str(m.floating_ip)) for m in self.floating}
        if self.snat:
            rules |= {("snat", str(leg.address.network), str(self.gateway.address.ip))
                      for leg in self.snat_legs()}
        return frozenset(rules)

    def advertised_legs(self) -> tuple[RouterLeg, ...]:
        """The IPv6 legs the router sends router advertisements on (their subnet has an
        `ipv6_ra_mode`)."""
        return tuple(leg for leg in self.interfaces
                     if leg.address.version == 6 and leg.ra_mode is not None)

    def snat_legs(self) -> tuple[RouterLeg, ...]:
        """The legs whose subnets leave as the gateway's address: IPv4 ones (IPv6 subnets
        are routed as they are, as Neutron routes them)."""
        return tuple(leg for leg in self.interfaces if leg.address.version == 4)

    def addresses(self) -> dict[str, frozenset[LegAddress]]:
        """Each interface's addresses, by the name it has inside the namespace."""
        found: dict[str, frozenset[LegAddress]] = {
            interface_name(leg): frozenset({leg.address}) for leg in self.interfaces}
        if self.gateway is not None:
            extra: set[LegAddress] = {IPv4Interface(f"{m.floating_ip}/32")
                                      for m in self.floating}
            found[gateway_name(self.gateway)] = frozenset({self.gateway.address} | extra)
        return found


def interface_name(leg: RouterLeg) -> str:
    return f"qr-{leg.port_id[:11]}"


def gateway_name(leg: RouterLeg) -> str:
    return f"qg-{leg.port_id[:11]}"


def bridge_side_name(leg: RouterLeg) -> str:
    """The end plugged into the bridge, named as a port's tap is (Neutron's linux bridge
    agent names a router port's the same way)."""
    return f"tap{leg.port_id[:11]}"


@dataclass(frozen=True)
class RouterState:
    """A router's namespace as read back from the host."""

    router_id: str
    addresses: dict[str, frozenset[LegAddress]]  # interfaces up inside, global addresses
    macs: dict[str, str | None]
    plugged: dict[str, str]  # bridge-side end -> the bridge it is enslaved to (up)
    forwarding: bool  # IPv4 and IPv6
    default_via: IPv4Address | None
    routes: frozenset[tuple[IPv4Network, IPv4Address]]  # the extra routes found
    nat: frozenset[tuple[str, str, str]]
    advertising: frozenset[str] = frozenset()  # legs a running radvd advertises on

    def satisfies(self, spec: RouterSpec) -> bool:
        legs = [*spec.interfaces, *([spec.gateway] if spec.gateway else [])]
        inside = {**{interface_name(leg): leg for leg in spec.interfaces},
                  **({gateway_name(spec.gateway): spec.gateway} if spec.gateway else {})}
        return (self.addresses == spec.addresses()
                and all(self.macs.get(name) == leg.mac for name, leg in inside.items())
                and self.plugged == {bridge_side_name(leg): leg.bridge for leg in legs}
                and self.forwarding and self.default_via == (
                    spec.upstream if spec.gateway else None)
                and self.routes == frozenset(spec.routes) and self.nat == spec.nat()
                and self.advertising == frozenset(
                    interface_name(leg) for leg in spec.advertised_legs()))


class RouterHost(Protocol):
    """The routers of one host."""

    def ensure(self, spec: RouterSpec) -> None:
        """Make the router's namespace hold exactly `spec` (interfaces, addresses, routes and
        NAT: what is missing is made, what is not wanted is removed); a no-op when it does."""

    def remove(self, router_id: str) -> None:
        """Delete the router's namespace and with it its interfaces; already gone is success."""

    def state(self, router_id: str) -> RouterState | None:
        """None when the host has no namespace for the router."""

    def routers(self) -> set[str]:
        """The ids of every router this host has a namespace for."""
