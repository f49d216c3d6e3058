"""Routers on the in-memory event store: placing one on a host (the host's ledger saved with
it, the first placement kept), the DHCP server's address a subnet gets once a router holds its
gateway, and the spec a host must realise for a router (legs, gateway, NAT, routes)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Interface
from typing import Any

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.network.config import NetworkConfig
from domain.network.network import DHCP_HOLDER, Network
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.router_hosting import RouterHosting, hosting_id
from domain.network.subnet_build import SubnetRequest
from domain.process.network.plans import desired
from domain.process.network.router_plans import ExternalSide, desired_routers
from domain.services.network.floating import FloatingIpService
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortRequest, PortService
from domain.services.network.router_plans import GatewayRequest
from domain.services.network.routers import RouterService
from domain.services.network.subnets import SubnetService

P1 = RequestContext(user_id="u1", project_id="p1", roles=("member",))
AGENT = RequestContext(user_id="network:h1")
EXTERNAL = ExternalSide("brex", IPv4Network("203.0.113.0/24"))


class Cloud:
    def __init__(self) -> None:
        self.app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        config = NetworkConfig(segment_type="vxlan", segmentation_ids=(100, 200))
        self.networks, self.subnets = NetworkService(self.app, config), SubnetService(
            self.app, config)
        self.ports, self.routers = PortService(self.app, config), RouterService(self.app, config)
        self.floating = FloatingIpService(self.app, config)

    def routed(self) -> tuple[Network, str, Any, Any]:
        """A network with a subnet, a free port on it with a floating IP, and a router with a
        gateway on the pool joining the subnet."""
        network = self.networks.create_network(P1, "p1", "net", carve=False)
        self.subnets.create_subnet(P1, network.id.hex, SubnetRequest(cidr="10.9.0.0/24"))
        network = self.app.repository.get(network.id)
        [subnet_id] = network.subnets
        port = self.ports.create_port(P1, network.id.hex, PortRequest())
        router = self.routers.create_router(P1, "p1", "r", gateway=GatewayRequest(
            EXTERNAL_NETWORK_ID))
        self.routers.add_subnet_interface(P1, router.id.hex, network.id.hex, subnet_id)
        floating = self.floating.allocate(P1, "p1")
        self.floating.associate(P1, floating.id.hex, port.id.hex)
        return self.app.repository.get(network.id), subnet_id, port, router


def test_a_router_is_placed_once_and_leaves_its_hosts_ledger_when_deleted() -> None:
    cloud = Cloud()
    _, subnet_id, _, router = cloud.routed()
    placed = cloud.routers.schedule_router(AGENT, router.id.hex, "h1")
    again = cloud.routers.schedule_router(RequestContext(user_id="network:h2"),
                                          router.id.hex, "h2")
    assert placed.host == again.host == "h1"
    ledger = cloud.app.repository.get(hosting_id("h1"))
    assert isinstance(ledger, RouterHosting) and ledger.routers == {router.id.hex}
    assert cloud.app.find(hosting_id("h2")) is None
    cloud.routers.remove_interface(P1, router.id.hex, None, subnet_id)
    cloud.routers.delete_router(P1, router.id.hex)
    assert cloud.app.repository.get(hosting_id("h1")).routers == set()


def test_a_router_on_the_gateway_moves_the_bridge_to_a_dhcp_address() -> None:
    cloud = Cloud()
    network, subnet_id, port, router = cloud.routed()
    dhcp = network.dhcp_addresses[subnet_id]
    assert network.fixed_ips[dhcp] == DHCP_HOLDER and dhcp not in (port.fixed_ip, "10.9.0.1")
    # No port may take it; the subnet and then the network go all the same.
    cloud.routers.remove_interface(P1, router.id.hex, None, subnet_id)
    cloud.ports.delete_port(P1, port.id.hex)
    cloud.subnets.delete_subnet(P1, network.id.hex, subnet_id)
    network = cloud.app.repository.get(network.id)
    assert network.dhcp_addresses == {} and dhcp not in network.fixed_ips
    cloud.networks.delete_network(P1, network.id.hex)


def test_the_spec_of_a_placed_router_and_the_host_nat_it_takes_over() -> None:
    cloud = Cloud()
    network, subnet_id, port, router = cloud.routed()
    assert desired_routers(cloud.app, "h1", EXTERNAL) == {}  # placed nowhere yet
    cloud.routers.schedule_router(AGENT, router.id.hex, "h1")
    cloud.routers.update_router(P1, router.id.hex, routes=[
        {"destination": "192.168.5.0/24", "nexthop": "10.9.0.40"}])
    spec = desired_routers(cloud.app, "h1", EXTERNAL)[router.id.hex]
    [leg] = spec.interfaces
    assert leg.address == IPv4Interface("10.9.0.1/24") and leg.bridge == \
        f"brq{network.segmentation_id}"
    assert spec.gateway is not None and spec.gateway.bridge == "brex"
    assert spec.upstream == IPv4Address("203.0.113.1") and spec.snat
    [mapping] = spec.floating
    assert mapping.fixed_ip == IPv4Address(port.fixed_ip)
    assert spec.routes == ((IPv4Network("192.168.5.0/24"), IPv4Address("10.9.0.40")),)
    assert ("snat", "10.9.0.0/24", str(spec.gateway.address.ip)) in spec.nat()
    # The router's host serves the network's bridge (with the DHCP address), and no host
    # translates the floating IP itself.
    want = desired(cloud.app, "h1")
    assert want.networks[network.id.hex].spec.gateway == IPv4Interface(
        f"{network.dhcp_addresses[subnet_id]}/24")
    assert want.nat == {}
    # Administratively down: the host runs it no more.
    cloud.routers.update_router(P1, router.id.hex, admin_state_up=False)
    assert desired_routers(cloud.app, "h1", EXTERNAL) == {}


def test_an_ipv6_subnet_is_a_leg_of_its_own_routed_and_not_translated() -> None:
    cloud = Cloud()
    network, _, _, router = cloud.routed()
    cloud.subnets.create_subnet(P1, network.id.hex, SubnetRequest(
        cidr="2001:db8:9::/64", ip_version=6, ipv6_ra_mode="slaac",
        ipv6_address_mode="slaac"))
    subnet6 = next(s for s in cloud.app.repository.get(network.id).subnets
                   if s not in network.subnets)
    cloud.routers.add_subnet_interface(P1, router.id.hex, network.id.hex, subnet6)
    cloud.routers.schedule_router(AGENT, router.id.hex, "h1")
    spec = desired_routers(cloud.app, "h1", EXTERNAL)[router.id.hex]
    assert {leg.address for leg in spec.interfaces} == {
        IPv4Interface("10.9.0.1/24"), IPv6Interface("2001:db8:9::1/64")}
    assert len({leg.bridge for leg in spec.interfaces}) == 1  # both on the network's bridge
    assert spec.gateway is not None
    assert {m for kind, m, _ in spec.nat() if kind == "snat"} >= {"10.9.0.0/24"}
    assert not any(":" in match for _, match, _ in spec.nat())
    # The slaac subnet's leg is advertised (radvd); the IPv4 one carries no RA mode.
    assert [(str(leg.address), leg.ra_mode) for leg in spec.advertised_legs()] == [
        ("2001:db8:9::1/64", "slaac")]
    assert {leg.ra_mode for leg in spec.interfaces if leg.address.version == 4} == {None}
