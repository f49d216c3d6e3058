"""Subnets on the in-memory event store: users' own CIDRs, several per network, IPv4 and IPv6,
and the addresses ports get from them."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound, QuotaExceeded
from domain.network.addressing import FixedIpRequest
from domain.network.config import NetworkConfig
from domain.network.errors import IpAddressAlreadyAllocated, NetworkInUse, SubnetInUse
from domain.network.network import Network
from domain.network.subnet_build import SubnetRequest
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortRequest, PortService
from domain.services.network.subnet_pools import PrefixPoolService
from domain.services.network.subnets import SubnetService

ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))


def member(project: str) -> RequestContext:
    return RequestContext(user_id=f"user-{project}", project_id=project, roles=("member",))


class Cloud:
    def __init__(self, **config: object) -> None:
        self.app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.config = NetworkConfig(**config)  # type: ignore[arg-type]
        self.networks = NetworkService(self.app, self.config)
        self.subnets = SubnetService(self.app, self.config)
        self.ports = PortService(self.app)

    def network(self, project: str = "p1", **attributes: object) -> Network:
        return self.networks.create_network(member(project), project, "n", carve=False,
                                            attributes=attributes or None)

    def subnet(self, network: Network, cidr: str, project: str = "p1", **given: object) -> str:
        request = SubnetRequest(cidr=cidr, ip_version=6 if ":" in cidr else 4,
                                **given)  # type: ignore[arg-type]
        return self.subnets.create_subnet(member(project), network.id.hex, request).id

    def port(self, network: Network, *wanted: FixedIpRequest, project: str = "p1") -> list[str]:
        request = PortRequest(fixed_ips=tuple(wanted) if wanted else None)
        port = self.ports.create_port(member(project), network.id.hex, request)
        return [f["ip_address"] for f in port.fixed_ips]

    def reload(self, network: Network) -> Network:
        loaded: Network = self.app.repository.get(network.id)
        return loaded


def test_a_network_made_through_the_api_starts_without_subnet() -> None:
    cloud = Cloud()
    network = cloud.network()
    assert (network.cidr, network.subnets) == ("", {})
    assert cloud.port(network) == []  # Neutron: a port with no address


def test_subnet_defaults_are_neutrons() -> None:
    cloud = Cloud()
    network = cloud.network()
    subnet = cloud.subnet(network, "192.168.5.0/24")
    spec = cloud.reload(network).subnet_spec(subnet)
    assert (spec.gateway_ip, spec.allocation_pools) == (
        "192.168.5.1", (("192.168.5.2", "192.168.5.254"),))
    assert (spec.enable_dhcp, spec.dns_nameservers, spec.host_routes) == (True, (), ())
    middle = cloud.network()
    subnet = cloud.subnet(middle, "10.1.0.0/28", gateway_ip="10.1.0.5")
    spec = cloud.reload(middle).subnet_spec(subnet)
    assert spec.allocation_pools == (("10.1.0.1", "10.1.0.4"), ("10.1.0.6", "10.1.0.14"))
    v6 = cloud.network()
    subnet = cloud.subnet(v6, "2001:db8::/64", gateway_ip=None)
    no_gateway = cloud.reload(v6).subnet_spec(subnet)
    assert no_gateway.gateway_ip is None
    assert no_gateway.allocation_pools == (("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff"),)


def test_bad_subnets_are_refused_and_change_nothing() -> None:
    cloud = Cloud()
    network = cloud.network()
    cloud.subnet(network, "10.5.0.0/24")
    for cidr, given in (("10.5.0.128/25", {}), ("nonsense", {}), ("10.6.0.0/31", {}),
                        ("10.6.0.0/24", {"gateway_ip": "2001:db8::1"}),
                        ("10.6.0.0/24", {"allocation_pools": [{"start": "10.6.0.9",
                                                               "end": "10.6.0.2"}]}),
                        ("10.6.0.0/24", {"allocation_pools": [{"start": "10.6.0.1",
                                                               "end": "10.6.0.9"}]}),
                        ("10.6.0.0/24", {"ipv6_address_mode": "slaac"}),
                        ("10.6.0.0/24", {"dns_nameservers": ["1.1.1.1", "1.1.1.1"]}),
                        ("10.6.0.0/24", {"host_routes": [{"destination": "x",
                                                          "nexthop": "10.6.0.1"}]})):
        with pytest.raises(InvalidInput):
            cloud.subnet(network, cidr, **given)
            pytest.fail(f"{cidr} {given} was accepted")
    assert len(cloud.reload(network).subnets) == 1
    # Another network may reuse the same CIDR: each network is its own segment.
    cloud.subnet(cloud.network(), "10.5.0.0/24")


def test_ports_get_one_v4_address_and_their_slaac_address() -> None:
    cloud = Cloud()
    network = cloud.network()
    cloud.subnet(network, "10.5.0.0/29", allocation_pools=[
        {"start": "10.5.0.3", "end": "10.5.0.4"}])
    cloud.subnet(network, "2001:db8::/64", ipv6_address_mode="slaac", ipv6_ra_mode="slaac")
    port = cloud.ports.create_port(member("p1"), network.id.hex, PortRequest())
    (v4, v6) = [f["ip_address"] for f in port.fixed_ips]
    assert v4 == "10.5.0.3" and port.fixed_ip == v4
    octets = bytes.fromhex(port.mac.replace(":", ""))
    iid = bytes([octets[0] ^ 2, *octets[1:3], 0xFF, 0xFE, *octets[3:]])
    assert v6 == str(IPv6Address(b"\x20\x01\x0d\xb8" + bytes(4) + iid))
    assert cloud.port(network)[0] == "10.5.0.4"
    with pytest.raises(Exception, match="No more IP addresses"):
        cloud.port(network)


def test_fixed_ips_asked_for_by_subnet_and_address() -> None:
    cloud = Cloud()
    network = cloud.network()
    first = cloud.subnet(network, "10.5.0.0/24")
    second = cloud.subnet(network, "10.6.0.0/24")
    assert cloud.port(network, FixedIpRequest(subnet_id=second),
                      FixedIpRequest(ip_address="10.5.0.9")) == ["10.6.0.2", "10.5.0.9"]
    with pytest.raises(IpAddressAlreadyAllocated, match="10.5.0.9 already allocated"):
        cloud.port(network, FixedIpRequest(subnet_id=first, ip_address="10.5.0.9"))
    for wanted in (FixedIpRequest(ip_address="10.7.0.1"), FixedIpRequest(subnet_id="0" * 32),
                   FixedIpRequest(subnet_id=first, ip_address="10.6.0.9"),
                   FixedIpRequest(ip_address="10.5.0.1"), FixedIpRequest()):
        with pytest.raises(InvalidInput):
            cloud.port(network, wanted)


def test_a_subnet_in_use_stays_and_a_slaac_one_takes_its_addresses_along() -> None:
    cloud = Cloud()
    network = cloud.network()
    v4 = cloud.subnet(network, "10.5.0.0/24")
    v6 = cloud.subnet(network, "2001:db8::/64", ipv6_address_mode="slaac")
    port = cloud.ports.create_port(member("p1"), network.id.hex, PortRequest())
    with pytest.raises(SubnetInUse):
        cloud.subnets.delete_subnet(member("p1"), network.id.hex, v4)
    cloud.subnets.delete_subnet(member("p1"), network.id.hex, v6)
    reloaded = cloud.app.repository.get(port.id)
    assert [f["subnet_id"] for f in reloaded.fixed_ips] == [v4]
    assert set(cloud.reload(network).subnets) == {v4}
    with pytest.raises(NetworkInUse):
        cloud.networks.delete_network(member("p1"), network.id.hex)


def test_a_port_changes_its_addresses() -> None:
    cloud = Cloud()
    network = cloud.network()
    subnet = cloud.subnet(network, "10.5.0.0/24")
    port = cloud.ports.create_port(member("p1"), network.id.hex, PortRequest())
    cloud.ports.update_port(member("p1"), port.id.hex, fixed_ips=[
        FixedIpRequest(subnet_id=subnet, ip_address="10.5.0.2"),
        FixedIpRequest(ip_address="10.5.0.50")])
    assert sorted(cloud.reload(network).fixed_ips) == ["10.5.0.2", "10.5.0.50"]
    cloud.ports.update_port(member("p1"), port.id.hex, fixed_ips=[
        FixedIpRequest(ip_address="10.5.0.60")])
    assert sorted(cloud.reload(network).fixed_ips) == ["10.5.0.60"]
    assert cloud.app.repository.get(port.id).fixed_ip == "10.5.0.60"


def test_subnet_updates_are_checked() -> None:
    cloud = Cloud()
    network = cloud.network()
    subnet = cloud.subnet(network, "10.5.0.0/24", allocation_pools=[
        {"start": "10.5.0.10", "end": "10.5.0.20"}])
    spec = cloud.subnets.update_subnet(member("p1"), network.id.hex, subnet, {
        "gateway_ip": "10.5.0.2", "dns_nameservers": ["8.8.8.8"], "enable_dhcp": False,
        "host_routes": [{"destination": "10.20.0.0/32", "nexthop": "10.5.0.3"}]})
    assert (spec.gateway_ip, spec.dns_nameservers, spec.enable_dhcp) == (
        "10.5.0.2", ("8.8.8.8",), False)
    assert spec.host_routes == (("10.20.0.0/32", "10.5.0.3"),)
    for changes in ({"gateway_ip": "10.5.0.15"}, {"cidr": "10.9.0.0/24"},
                    {"enable_dhcp": "yes"}):
        with pytest.raises(InvalidInput):
            cloud.subnets.update_subnet(member("p1"), network.id.hex, subnet, changes)
    with pytest.raises(NotFound):
        cloud.subnets.update_subnet(member("p1"), network.id.hex, "0" * 32, {"name": "x"})


def test_shared_networks_take_other_projects_ports_but_not_their_subnets() -> None:
    cloud = Cloud()
    shared = cloud.networks.create_network(ADMIN, "admin", "shared", carve=False,
                                           attributes={"shared": True})
    cloud.subnets.create_subnet(ADMIN, shared.id.hex, SubnetRequest(cidr="192.168.9.0/24"))
    port = cloud.ports.create_port(member("p2"), shared.id.hex, PortRequest(project_id="p2"))
    assert (port.project_id, port.fixed_ip) == ("p2", "192.168.9.2")
    with pytest.raises(Forbidden):
        cloud.subnet(shared, "192.168.10.0/24", project="p2")
    private = cloud.network("p1")
    with pytest.raises(NotFound):
        cloud.ports.create_port(member("p2"), private.id.hex, PortRequest(project_id="p2"))


def test_network_attributes_are_events() -> None:
    cloud = Cloud()
    network = cloud.network()
    cloud.networks.update_network(member("p1"), network.id.hex,
                                  {"name": "renamed", "admin_state_up": False, "mtu": 1400})
    cloud.networks.update_network(member("p1"), network.id.hex, {"name": "renamed"})
    reloaded = cloud.reload(network)
    assert reloaded.name == "renamed" and reloaded.attributes["mtu"] == 1400
    names = [type(e).__qualname__ for e in cloud.app.repository.event_store.get(network.id)]
    assert names == ["Network.Created", "Network.Updated"]
    with pytest.raises(InvalidInput):
        cloud.networks.update_network(member("p1"), network.id.hex, {"bogus": 1})


def test_subnets_count_on_the_projects_limit_atomically_with_the_subnet() -> None:
    cloud = Cloud(max_subnets_per_project=2)
    network = cloud.network()
    first = cloud.subnet(network, "10.5.0.0/24")
    cloud.subnet(network, "10.6.0.0/24")
    with pytest.raises(QuotaExceeded, match="Quota exceeded for subnets"):
        cloud.subnet(cloud.network(), "10.7.0.0/24")
    cloud.subnet(cloud.network("p2"), "10.7.0.0/24", project="p2")  # its own count
    cloud.subnets.delete_subnet(member("p1"), network.id.hex, first)
    cloud.subnet(network, "10.7.0.0/24")
    cloud.networks.delete_network(member("p1"), network.id.hex)  # uncounts both of its subnets
    other = cloud.network()
    cloud.subnet(other, "10.8.0.0/24")
    cloud.subnet(other, "10.9.0.0/24")
    # The auto-made network's carved subnet counts too.
    cloud.networks.ensure_project_network(member("p3"), "p3")
    third = cloud.network("p3")
    cloud.subnet(third, "10.8.0.0/24", project="p3")
    with pytest.raises(QuotaExceeded):
        cloud.subnet(third, "10.9.0.0/24", project="p3")


def test_subnets_cut_from_a_pool_never_overlap_and_keep_it_alive() -> None:
    cloud = Cloud()
    pools = PrefixPoolService(cloud.app)
    pool = pools.create_pool(member("p1"), "p1", "pool", ["10.80.0.0/23", "10.80.2.0/23"],
                             default_prefixlen=24, max_prefixlen=28)
    assert (pool.prefixes, pool.lengths) == (["10.80.0.0/22"], [24, 22, 28])
    network = cloud.network()
    first = cloud.subnets.create_subnet(member("p1"), network.id.hex, SubnetRequest(
        cidr=None, subnetpool_id=pool.id.hex))
    second = cloud.subnets.create_subnet(member("p1"), cloud.network().id.hex, SubnetRequest(
        cidr=None, subnetpool_id=pool.id.hex, prefixlen=28))
    assert (first.cidr, second.cidr, first.subnetpool_id) == (
        "10.80.0.0/24", "10.80.1.0/28", pool.id.hex)
    for wanted in ({"cidr": "10.80.0.128/25"}, {"cidr": "10.90.0.0/24"},
                   {"cidr": None, "prefixlen": 30}):
        with pytest.raises(InvalidInput):
            cloud.subnets.create_subnet(member("p1"), cloud.network().id.hex, SubnetRequest(
                subnetpool_id=pool.id.hex, **wanted))  # type: ignore[arg-type]
    with pytest.raises(NotFound):  # another project's pool
        cloud.subnets.create_subnet(member("p2"), cloud.network("p2").id.hex, SubnetRequest(
            cidr=None, subnetpool_id=pool.id.hex))
    with pytest.raises(InvalidState):
        pools.delete_pool(member("p1"), pool.id.hex)
    cloud.subnets.delete_subnet(member("p1"), network.id.hex, first.id)
    again = cloud.subnets.create_subnet(member("p1"), network.id.hex, SubnetRequest(
        cidr=None, subnetpool_id=pool.id.hex))
    assert again.cidr == "10.80.0.0/24"  # released, so cut again
    with pytest.raises(InvalidInput, match="can only grow"):
        pools.update_pool(member("p1"), pool.id.hex, {"prefixes": ["10.80.0.0/23"]})
    grown = pools.update_pool(member("p1"), pool.id.hex, {"prefixes": ["10.80.0.0/21"],
                                                          "name": "bigger"})
    assert (grown.name, grown.prefixes) == ("bigger", ["10.80.0.0/21"])
