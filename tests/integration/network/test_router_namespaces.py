"""A router as a network namespace (adapters/network/router_namespaces.py), checked with real
packets between namespaces the test makes (the router's own namespaces carry a prefix of this
test's, and are removed at teardown whatever happens):

    outside 203.0.113.1 (upstream) --brex-- qg 203.0.113.10 (+ floating .50)
                                                  | router |
    guest A 10.70.0.10 --brq700-- qr 10.70.0.1 ---+        +--- qr 10.71.0.1 --brq701-- guest B
                                                                10.71.0.10, and the next hop
                                                                10.71.0.20 (192.168.50.1 behind)

The addresses a router takes on are announced by gratuitous ARP (as Neutron's L3 agent does):
the outside, whose neighbour table points them at another MAC (as after the router moved),
sees an unsolicited request and reply for each and takes the leg's MAC, with no traffic of its
own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Interface
from pathlib import Path

import pytest
from pyroute2 import netns

from adapters.network.gratuitous_arp import COUNT, announce
from adapters.network.router_namespaces import NamespaceRouters
from domain.network.backends import FloatingIpMapping
from domain.network.router_backend import RouterLeg, RouterSpec
from tests.integration.network.test_nat import fetch, serve
from tests.support.arp_capture import arp_capture, neighbours_become
from tests.support.network_namespaces import (
    Host,
    Namespaces,
    attach_guest,
    connect,
    ip,
    pings,
    sh,
    unreachable,
)
from tests.support.router_advertisements import slaac_address

ROUTER = uuid.uuid4().hex
FLOATING, GUEST_A, GUEST_B = "203.0.113.50", "10.70.0.10", "10.71.0.10"
UPSTREAM, GATEWAY = "203.0.113.1", "203.0.113.10"
A_LEG = RouterLeg("a1" + "0" * 30, "fa:16:3e:00:70:01", IPv4Interface("10.70.0.1/24"), "brq700")
B_LEG = RouterLeg("b1" + "0" * 30, "fa:16:3e:00:71:01", IPv4Interface("10.71.0.1/24"), "brq701")
G_LEG = RouterLeg("c1" + "0" * 30, "fa:16:3e:00:00:10", IPv4Interface(f"{GATEWAY}/24"), "brex")
SPEC = RouterSpec(ROUTER, (A_LEG, B_LEG), G_LEG, IPv4Address(UPSTREAM), snat=True,
                  floating=(FloatingIpMapping(IPv4Address(FLOATING), IPv4Address(GUEST_A)),),
                  routes=((IPv4Network("192.168.50.0/24"), IPv4Address("10.71.0.20")),))


@dataclass(frozen=True)
class Site:
    host: str
    outside: str
    guest_a: str
    guest_b: str
    hop: str  # a host on B's subnet with 192.168.50.1 behind it
    routers: NamespaceRouters


@pytest.fixture
def site(namespaces: Namespaces, tmp_path: Path) -> Iterator[Site]:
    host, outside = namespaces.new("host"), namespaces.new("out")
    for bridge in ("brq700", "brq701", "brex"):
        ip(host, "link", "add", bridge, "type", "bridge")
        ip(host, "link", "set", bridge, "up")
    connect(host, "uplink", outside, "eth0")
    ip(host, "link", "set", "uplink", "master", "brex")
    ip(outside, "addr", "add", f"{UPSTREAM}/24", "dev", "eth0")
    on = Host(host)
    guest_a = attach_guest(namespaces, on, "brq700", "52:54:00:70:00:0a", f"{GUEST_A}/24",
                           "10.70.0.1")
    guest_b = attach_guest(namespaces, on, "brq701", "52:54:00:71:00:0a", f"{GUEST_B}/24",
                           "10.71.0.1")
    hop = attach_guest(namespaces, on, "brq701", "52:54:00:71:00:14", "10.71.0.20/24",
                       "10.71.0.1")
    ip(hop, "addr", "add", "192.168.50.1/32", "dev", "lo")
    routers = NamespaceRouters(host, prefix=f"sky-qr{uuid.uuid4().hex[:6]}-",
                               radvd_dir=tmp_path / "radvd")
    try:
        yield Site(host, outside, guest_a, guest_b, hop, routers)
    finally:
        for router_id in routers.routers():
            routers.remove(router_id)
        leftover = [n for n in netns.listnetns() if n.startswith(routers.prefix)]
        for name in leftover:
            netns.remove(name)


def test_the_router_routes_translates_and_reads_back(site: Site) -> None:
    routers = site.routers
    assert unreachable(site.guest_a, GUEST_B)  # control: nothing routes before the router

    routers.ensure(SPEC)

    state = routers.state(ROUTER)
    assert state is not None and state.satisfies(SPEC)
    assert routers.routers() == {ROUTER}
    with contextmanager(serve)(site.guest_b, "guest-b"):
        assert fetch(site.guest_a, GUEST_B) == f"guest-b {GUEST_A}"  # routed, not translated
    with contextmanager(serve)(site.outside, "outside"):
        assert fetch(site.guest_a, UPSTREAM) == f"outside {FLOATING}"  # its floating IP
        assert fetch(site.guest_b, UPSTREAM) == f"outside {GATEWAY}"  # SNAT to the gateway
    with contextmanager(serve)(site.guest_a, "guest-a"):
        assert fetch(site.outside, FLOATING) == f"guest-a {UPSTREAM}"  # DNAT keeps the source
    assert pings(site.guest_a, "192.168.50.1")  # the extra route, via the hop


def test_ipv6_subnets_are_routed_and_not_translated(site: Site) -> None:
    """A leg per IPv6 subnet beside the IPv4 ones (as Neutron's qr- port on an IPv6 subnet):
    guests of two IPv6 subnets reach each other through the router (ping -6), their
    addresses kept; SNAT stays IPv4's."""
    a6 = RouterLeg("a6" + "0" * 30, "fa:16:3e:00:70:06", IPv6Interface("2001:db8:70::1/64"),
                   "brq700")
    b6 = RouterLeg("b6" + "0" * 30, "fa:16:3e:00:71:06", IPv6Interface("2001:db8:71::1/64"),
                   "brq701")
    spec = replace(SPEC, interfaces=(A_LEG, a6, B_LEG, b6))
    for guest, address, router in ((site.guest_a, "2001:db8:70::10/64", "2001:db8:70::1"),
                                   (site.guest_b, "2001:db8:71::10/64", "2001:db8:71::1")):
        ip(guest, "-6", "addr", "add", address, "dev", "eth0", "nodad")
        ip(guest, "-6", "route", "add", "default", "via", router)
    assert unreachable(site.guest_a, "2001:db8:71::10")  # control: no router yet

    site.routers.ensure(spec)
    state = site.routers.state(ROUTER)
    assert state is not None and state.satisfies(spec) and not state.satisfies(SPEC)
    assert pings(site.guest_a, "2001:db8:71::10") and pings(site.guest_b, "2001:db8:70::10")
    assert all(kind != "snat" or ":" not in match for kind, match, _ in state.nat)
    with contextmanager(serve)(site.outside, "outside"):  # IPv4 still leaves translated
        assert fetch(site.guest_b, UPSTREAM) == f"outside {GATEWAY}"
    site.routers.ensure(spec)  # idempotent: still as wanted
    state = site.routers.state(ROUTER)
    assert state is not None and state.satisfies(spec)

    site.routers.ensure(SPEC)  # the IPv6 legs removed: no route between them
    state = site.routers.state(ROUTER)
    assert state is not None and state.satisfies(SPEC)
    assert unreachable(site.guest_a, "2001:db8:71::10")


def test_a_slaac_subnet_is_advertised_and_a_guest_configures_itself(site: Site) -> None:
    """A leg on an IPv6 subnet whose ipv6_ra_mode is slaac: the router's radvd advertises the
    prefix, and guest A, given no IPv6 address, takes its EUI-64 address and a default route
    through the router; without the mode, no radvd runs."""
    a6 = RouterLeg("a6" + "0" * 30, "fa:16:3e:00:70:06", IPv6Interface("2001:db8:70::1/64"),
                   "brq700", ra_mode="slaac")
    spec = replace(SPEC, interfaces=(A_LEG, a6, B_LEG))
    site.routers.ensure(spec)
    state = site.routers.state(ROUTER)
    assert state is not None and state.satisfies(spec)
    assert state.advertising == {"qr-a6000000000"}
    address = slaac_address(site.guest_a, "2001:db8:70::/64")
    assert address == "2001:db8:70:0:5054:ff:fe70:a"  # from guest A's MAC 52:54:00:70:00:0a
    assert pings(site.guest_a, "2001:db8:70::1")
    default = sh(site.guest_a, "ip", "-6", "route", "show", "default").stdout
    assert "via fe80::f816:3eff:fe00:7006" in default, default  # the leg's link-local
    site.routers.ensure(spec)  # idempotent: the same radvd goes on
    assert site.routers.advertisements.advertising(site.routers.namespace(ROUTER)) == {
        "qr-a6000000000"}

    plain = replace(spec, interfaces=(A_LEG, replace(a6, ra_mode=None), B_LEG))
    assert not state.satisfies(plain)
    site.routers.ensure(plain)
    state = site.routers.state(ROUTER)
    assert state is not None and state.satisfies(plain) and state.advertising == frozenset()


def test_ensure_is_idempotent_and_converges_changes(site: Site) -> None:
    routers = site.routers
    routers.ensure(SPEC)
    listing = sh(routers.namespace(ROUTER), "nft", "-a", "list", "ruleset").stdout
    links = sh(routers.namespace(ROUTER), "ip", "-o", "link").stdout

    routers.ensure(SPEC)
    assert sh(routers.namespace(ROUTER), "nft", "-a", "list", "ruleset").stdout == listing
    assert sh(routers.namespace(ROUTER), "ip", "-o", "link").stdout == links  # same ifindexes

    # B's interface removed, the floating IP gone, SNAT off, no extra route.
    smaller = replace(SPEC, interfaces=(A_LEG,), floating=(), snat=False, routes=())
    routers.ensure(smaller)
    state = routers.state(ROUTER)
    assert state is not None and state.satisfies(smaller) and not state.satisfies(SPEC)
    assert "tapb1000000000" not in sh(site.host, "ip", "-o", "link").stdout
    assert unreachable(site.guest_a, GUEST_B)
    with contextmanager(serve)(site.guest_a, "guest-a"):
        assert fetch(site.outside, FLOATING) is None


def test_drift_is_read_back_and_repaired(site: Site) -> None:
    routers = site.routers
    routers.ensure(SPEC)
    inside = routers.namespace(ROUTER)
    ip(inside, "addr", "flush", "dev", "qr-a1000000000")
    sh(inside, "nft", "flush", "chain", "ip", "skyledger_router", "prerouting")
    ip(site.host, "link", "set", "tapb1000000000", "nomaster")

    drifted = routers.state(ROUTER)
    assert drifted is not None and not drifted.satisfies(SPEC)
    assert "qr-a1000000000" not in drifted.addresses or not drifted.addresses["qr-a1000000000"]
    assert ("dnat", FLOATING, GUEST_A) not in drifted.nat
    assert "tapb1000000000" not in drifted.plugged

    routers.ensure(SPEC)
    repaired = routers.state(ROUTER)
    assert repaired is not None and repaired.satisfies(SPEC)
    assert pings(site.guest_a, GUEST_B)


def test_remove_deletes_the_namespace_and_its_legs(site: Site) -> None:
    routers = site.routers
    routers.ensure(SPEC)
    routers.remove(ROUTER)
    routers.remove(ROUTER)  # already gone: success

    assert routers.routers() == set() and routers.state(ROUTER) is None
    assert "tapa1000000000" not in sh(site.host, "ip", "-o", "link").stdout
    assert unreachable(site.guest_a, GUEST_B)


# -- gratuitous ARP: the outside's stale entries (as after a move) take the leg's MAC -----------
ELSEWHERE = "02:00:00:00:de:ad"  # the MAC the outside's stale entries point at
SECOND_FLOATING = "203.0.113.51"


def stale(ns: str, *addresses: str) -> None:
    for address in addresses:
        ip(ns, "neigh", "replace", address, "lladdr", ELSEWHERE, "dev", "eth0", "nud", "stale")


def test_a_built_router_announces_its_gateway_and_floating_addresses(site: Site) -> None:
    stale(site.outside, GATEWAY, FLOATING)
    with arp_capture(site.outside, "eth0") as capture:
        site.routers.ensure(SPEC)
        frames = capture.announced({GATEWAY, FLOATING}, rounds=COUNT)  # all of it sent
    assert {f.sender_mac for f in frames} == {G_LEG.mac}
    table = neighbours_become(site.outside, "eth0", {GATEWAY: G_LEG.mac, FLOATING: G_LEG.mac})
    assert table[GATEWAY] == G_LEG.mac and table[FLOATING] == G_LEG.mac, table

    # A floating IP added later is announced on its own; addresses already there are not.
    more = replace(SPEC, floating=(*SPEC.floating, FloatingIpMapping(
        IPv4Address(SECOND_FLOATING), IPv4Address(GUEST_B))))
    stale(site.outside, SECOND_FLOATING)
    with arp_capture(site.outside, "eth0") as capture:
        site.routers.ensure(more)
        frames = capture.announced({SECOND_FLOATING}, rounds=COUNT)
    assert {f.sender_ip for f in frames} == {SECOND_FLOATING}, capture.seen
    assert {f.sender_ip for f in capture.seen if f.gratuitous} == {SECOND_FLOATING}
    table = neighbours_become(site.outside, "eth0", {SECOND_FLOATING: G_LEG.mac})
    assert table[SECOND_FLOATING] == G_LEG.mac, table


def test_an_announcement_for_a_vanished_interface_gives_up_quietly(site: Site) -> None:
    thread = announce(site.host, "no-such-leg", [IPv4Address(GATEWAY)], interval=0.01)
    assert thread is not None
    thread.join(timeout=30)
    assert not thread.is_alive()
