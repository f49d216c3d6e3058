"""What a host's routers must be, decided from current state (the routers this host's ledger
hosts, their ports and networks, the floating IPs of the ports behind them).

A router's floating IPs are those of ports on the subnets it joins, when it has a gateway: the
router translates them (DNAT/SNAT inside its namespace), so the host of the port does not
(`behind_router`, which network_plans asks before planning host NAT). A router that is
administratively down, or deleted, has no spec: the agent removes its namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_address, ip_interface, ip_network
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.network.backends import FloatingIpMapping
from domain.network.bridges import bridge_name
from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.port import Port
from domain.network.router import Router
from domain.network.router_backend import RouterLeg, RouterSpec
from domain.network.router_hosting import RouterHosting, hosting_id
from domain.network.router_interfaces import interface_routers, serves

ROUTER_EVENTS: tuple[type[Router.Event], ...] = (
    Router.Created, Router.Updated, Router.GatewaySet, Router.InterfaceAdded,
    Router.InterfaceRemoved, Router.RoutesSet, Router.Scheduled, Router.Unscheduled,
    Router.Moved, Router.Deleted)
ROUTER_TOPICS: tuple[str, ...] = tuple(get_topic(c) for c in ROUTER_EVENTS)


@dataclass(frozen=True)
class ExternalSide:
    """The public pool's wire on this host: the bridge routers' gateways plug into, the pool's
    network, and its upstream router (the pool's first address, as its subnet shows)."""

    bridge: str
    network: IPv4Network

    @property
    def upstream(self) -> IPv4Address:
        return self.network.network_address + 1


def hosted_routers(app: SkyLedger, host: str) -> list[Router]:
    hosting = app.find(hosting_id(host))
    if not isinstance(hosting, RouterHosting):
        return []
    found = [app.find(UUID(r)) for r in sorted(hosting.routers)]
    return [r for r in found if isinstance(r, Router) and not r.deleted and r.host == host]


def desired_routers(app: SkyLedger, host: str,
                    external: ExternalSide | None) -> dict[str, RouterSpec]:
    specs = {}
    for router in hosted_routers(app, host):
        spec = router_spec(app, router, external)
        if spec is not None:
            specs[router.id.hex] = spec
    return specs


def router_spec(app: SkyLedger, router: Router, external: ExternalSide | None,
                ) -> RouterSpec | None:
    if router.deleted or not router.admin_state_up:
        return None
    legs = tuple(leg for leg in (interface_leg(app, port_id, interface)
                                 for port_id, interface in sorted(router.interfaces.items()))
                 if leg is not None)
    gateway, upstream = gateway_leg(app, router, external)
    floating = () if gateway is None else floating_behind(app, router)
    routes = tuple(sorted((IPv4Network(r["destination"]), IPv4Address(r["nexthop"]))
                          for r in router.routes if ip_address(r["nexthop"]).version == 4
                          and IPv4Network(r["destination"]).prefixlen > 0))
    snat = bool(router.gateway and router.gateway.get("enable_snat", True))
    return RouterSpec(router.id.hex, legs, gateway, upstream, snat, floating, routes)


def interface_leg(app: SkyLedger, port_id: str, interface: dict[str, str]) -> RouterLeg | None:
    port, network = app.find(UUID(port_id)), app.find(UUID(interface["network_id"]))
    if not isinstance(port, Port) or not isinstance(network, Network):
        return None
    address = next((f["ip_address"] for f in port.fixed_ips
                    if f["subnet_id"] == interface["subnet_id"]), None)
    if address is None:
        return None
    # An IPv6 subnet's leg too: routed (forwarding on), never translated (snat_legs), and
    # advertised when its subnet has an ipv6_ra_mode.
    leg_address = ip_interface(f"{address}/{ip_network(interface['cidr']).prefixlen}")
    ra_mode = None
    if leg_address.version == 6 and interface["subnet_id"] in network.subnets:
        ra_mode = network.subnet_spec(interface["subnet_id"]).ipv6_ra_mode
    return RouterLeg(port.id.hex, port.mac, leg_address, bridge_name(network.segmentation_id),
                     ra_mode)


def gateway_leg(app: SkyLedger, router: Router, external: ExternalSide | None,
                ) -> tuple[RouterLeg | None, IPv4Address | None]:
    """The leg on the external network and its upstream router (None, None without one)."""
    gateway = router.gateway
    port = app.find(UUID(gateway["port_id"])) if gateway and gateway.get("port_id") else None
    if gateway is None or not isinstance(port, Port) or ":" in port.fixed_ip:
        return None, None
    if gateway["network_id"] == EXTERNAL_NETWORK_ID:
        if external is None:
            return None, None  # this host has no external bridge: no way out
        return (RouterLeg(port.id.hex, port.mac,
                          IPv4Interface(f"{port.fixed_ip}/{external.network.prefixlen}"),
                          external.bridge), external.upstream)
    network = app.find(UUID(gateway["network_id"]))
    if not isinstance(network, Network) or network.primary_subnet() is None:
        return None, None
    spec = network.primary_subnet()
    assert spec is not None
    upstream = IPv4Address(spec.gateway_ip) if spec.gateway_ip else None
    return (RouterLeg(port.id.hex, port.mac,
                      IPv4Interface(f"{port.fixed_ip}/{IPv4Network(spec.cidr).prefixlen}"),
                      bridge_name(network.segmentation_id)), upstream)


def floating_behind(app: SkyLedger, router: Router) -> tuple[FloatingIpMapping, ...]:
    """The floating IPs of the router's gateway network held by the ports on the router's
    subnets (their networks' ledgers name every port holding an address there)."""
    assert router.gateway is not None
    found = {}
    for interface in router.interfaces.values():
        network = app.find(UUID(interface["network_id"]))
        if not isinstance(network, Network):
            continue
        cidr = IPv4Network(interface["cidr"]) if ":" not in interface["cidr"] else None
        for address, holder in sorted(network.fixed_ips.items()):
            if cidr is None or ":" in address or IPv4Address(address) not in cidr:
                continue
            port = app.find(UUID(holder)) if len(holder) == 32 else None
            if isinstance(port, Port) and port.floating_ip and not port.deleted:
                fixed = mapped_fixed_ip(app, port)
                if fixed in cidr and floating_network(app, port) == router.gateway["network_id"]:
                    floating = IPv4Address(port.floating_ip)
                    found[floating] = FloatingIpMapping(floating, fixed)
    return tuple(found[f] for f in sorted(found))


def mapped_fixed_ip(app: SkyLedger, port: Port) -> IPv4Address:
    """The fixed IP the port's floating IP maps to (the one chosen at association)."""
    record = app.find(UUID(port.floating_ip_id)) if port.floating_ip_id else None
    chosen = (record.fixed_ip if isinstance(record, FloatingIp)
              and record.port_id == port.id.hex else None)
    return IPv4Address(chosen or port.fixed_ip)


def floating_network(app: SkyLedger, port: Port) -> str:
    """The external network (hex) of the port's floating IP."""
    record = app.find(UUID(port.floating_ip_id)) if port.floating_ip_id else None
    return record.floating_network_id if isinstance(record, FloatingIp) else EXTERNAL_NETWORK_ID


def behind_router(app: SkyLedger, port: Port) -> Router | None:
    """The scheduled router with a gateway on the floating IP's network that joins the
    subnet of the port's floating mapping: it translates the port's floating IP, so no host
    NAT does."""
    network = app.find(UUID(port.network_id))
    if not isinstance(network, Network):
        return None
    fixed, external = mapped_fixed_ip(app, port), floating_network(app, port)
    for interface, router in interface_routers(app.find, network):
        if (router.host is not None and router.gateway is not None and router.admin_state_up
                and router.gateway["network_id"] == external
                and serves(router, interface, fixed)):
            return router
    return None
