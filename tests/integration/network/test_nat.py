"""Floating IPs through nftables: from an "outside" namespace, a TCP connection to the floating
address reaches a tiny server in the namespace standing in for the guest, and stops reaching it
once the floating IP is disassociated.

    outside (203.0.113.9) --ext0-- host (203.0.113.1, brq700 10.70.0.1, brq701 10.71.0.1)
                                      |-- guest A 10.70.0.10 (project 700)
                                      |-- guest B 10.71.0.10 (project 701)
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface

import pytest
from pyroute2 import netns
from pyroute2.conntrack import Conntrack
from pyroute2.netlink.nfnetlink.nfctsocket import NFCTAttrTuple

from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.nft_nat import NftNatRules
from adapters.network.segments import segment_driver
from domain.network.backends import FloatingIpMapping, SegmentSpec
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

FLOATING = IPv4Address("203.0.113.50")
GUEST_A, GUEST_B, OUTSIDE = IPv4Address("10.70.0.10"), IPv4Address("10.71.0.10"), "203.0.113.9"
PORT = 8080
# Answers every connection with its own name and the address the connection came from.
SERVER = """
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", int(sys.argv[2])))
server.listen()
print("ready", flush=True)
while True:
    conn, peer = server.accept()
    conn.sendall(f"{sys.argv[1]} {peer[0]}\\n".encode())
    conn.close()
"""


@dataclass(frozen=True)
class Site:
    host: Host
    outside: str
    guest_a: str
    guest_b: str


@pytest.fixture
def site(host: Host, namespaces: Namespaces) -> Site:
    outside = namespaces.new("out")
    connect(host.ns, "ext0", outside, "eth0")
    ip(host.ns, "addr", "add", "203.0.113.1/24", "dev", "ext0")
    ip(outside, "addr", "add", f"{OUTSIDE}/24", "dev", "eth0")
    guests = []
    with PyrouteHostNetwork(segment_driver("vxlan", host.phys), netns=host.ns) as network:
        for sid, address in ((700, GUEST_A), (701, GUEST_B)):
            gateway = IPv4Interface(f"{address - 9}/24")
            state = network.ensure_segment(SegmentSpec(sid, gateway))
            mac = f"52:54:00:70:00:{sid % 100:02x}"
            guests.append(attach_guest(namespaces, host, state.bridge, mac, f"{address}/24",
                                       str(gateway.ip)))
    return Site(host, outside, *guests)


@pytest.fixture
def nat(site: Site) -> NftNatRules:
    return NftNatRules(site.host.ns, external_interface="ext0")


@pytest.fixture
def server_in_guest(site: Site) -> Iterator[None]:
    yield from serve(site.guest_a, "guest-a")


def serve(ns: str, name: str) -> Iterator[None]:
    process = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", SERVER, name,
                                str(PORT)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield
    finally:
        process.kill()  # by its own pid: the one this fixture started
        process.wait()


def fetch(ns: str, address: object) -> str | None:
    """The server's one-line answer over TCP from inside `ns`, or None if it cannot connect."""
    sock = netns.create_socket(ns)
    sock.settimeout(1.0)
    try:
        sock.connect((str(address), PORT))
        return sock.makefile().readline().strip()
    except OSError:
        return None
    finally:
        sock.close()


def test_the_floating_ip_reaches_the_guest_until_disassociated(
        nat: NftNatRules, site: Site, server_in_guest: None) -> None:
    nat.associate(FloatingIpMapping(FLOATING, GUEST_A))

    assert fetch(site.outside, FLOATING) == f"guest-a {OUTSIDE}"  # DNAT keeps the source
    assert nat.list_rules()[FLOATING].matches(FloatingIpMapping(FLOATING, GUEST_A))
    assert _tracked(site, FLOATING) > 0  # the closed connection lingers in conntrack (TIME_WAIT)

    nat.disassociate(FLOATING)

    assert fetch(site.outside, FLOATING) is None
    assert nat.list_rules() == {}
    assert _tracked(site, FLOATING) == 0  # no translated connection survives the rules


def test_the_guest_goes_out_as_its_floating_ip(nat: NftNatRules, site: Site) -> None:
    nat.associate(FloatingIpMapping(FLOATING, GUEST_A))

    with contextmanager(serve)(site.outside, "outside"):
        assert fetch(site.guest_a, OUTSIDE) == f"outside {FLOATING}"


def test_a_rule_deleted_by_hand_is_noticed_and_restored(
        nat: NftNatRules, site: Site, server_in_guest: None) -> None:
    mapping = FloatingIpMapping(FLOATING, GUEST_A)
    nat.associate(mapping)
    handle = next(line.split("# handle ")[1] for line in _listing(site).splitlines()
                  if "dnat to" in line)
    sh(site.host.ns, "nft", "delete", "rule", "ip", "skyledger", "prerouting", "handle", handle)

    drifted = nat.list_rules()[FLOATING]
    assert drifted.dnat_to is None and drifted.snat_from == GUEST_A
    assert not drifted.matches(mapping)

    nat.associate(mapping)
    assert nat.list_rules()[FLOATING].matches(mapping)
    assert fetch(site.outside, FLOATING) == f"guest-a {OUTSIDE}"


def test_only_labelled_floating_addresses_are_listed_or_removed(nat: NftNatRules,
                                                                site: Site) -> None:
    ip(site.host.ns, "addr", "add", "203.0.113.77/32", "dev", "ext0")  # the host's own
    mapping = FloatingIpMapping(FLOATING, GUEST_A)
    nat.associate(mapping)
    ip(site.host.ns, "addr", "del", f"{FLOATING}/32", "dev", "ext0")  # unbound by hand

    listed = nat.list_rules()
    assert set(listed) == {FLOATING} and listed[FLOATING].address_bound is False

    nat.associate(mapping)
    assert nat.list_rules()[FLOATING].matches(mapping)
    nat.disassociate(IPv4Address("203.0.113.77"))  # not a floating IP: left alone
    assert "203.0.113.77/32" in sh(site.host.ns, "ip", "-4", "addr", "show", "ext0").stdout


def test_associate_and_disassociate_are_idempotent(nat: NftNatRules, site: Site) -> None:
    nat.associate(FloatingIpMapping(FLOATING, GUEST_A))
    listing = _listing(site)
    nat.associate(FloatingIpMapping(FLOATING, GUEST_A))
    assert _listing(site) == listing  # same rules, same handles: nothing was rewritten

    nat.associate(FloatingIpMapping(FLOATING, GUEST_B))  # moved to another port: replaced
    assert _listing(site).count("203.0.113.50") == 4  # two rules, each with its comment
    assert nat.list_rules()[FLOATING].matches(FloatingIpMapping(FLOATING, GUEST_B))

    nat.disassociate(FLOATING)
    nat.disassociate(FLOATING)
    assert nat.list_rules() == {}


def test_the_host_does_not_route_between_projects(nat: NftNatRules, site: Site) -> None:
    NftNatRules(site.host.ns, isolate_bridges=None).prepare()  # forwarding on, no isolation
    assert pings(site.guest_a, str(GUEST_B))  # control: the host would route between them

    nat.prepare()

    assert pings(site.guest_a, "10.70.0.1")  # its own gateway still answers
    assert unreachable(site.guest_a, str(GUEST_B))


def test_guests_on_one_bridge_still_reach_each_other(nat: NftNatRules, site: Site,
                                                      namespaces: Namespaces) -> None:
    """Where br_netfilter is on, bridged frames pass the host's IP forward hook too, in and
    out through their bridge: the isolation of bridges must not drop them."""
    neighbour = attach_guest(namespaces, site.host, "brq700", "52:54:00:70:00:0b",
                             "10.70.0.11/24", "10.70.0.1")
    nat.prepare()
    if sh(site.host.ns, "sysctl", "-n", "net.bridge.bridge-nf-call-iptables",
          check=False).stdout.strip() != "1":
        pytest.skip("br_netfilter is off here: bridged frames never meet the forward hook")
    assert pings(site.guest_a, "10.70.0.11") and pings(neighbour, str(GUEST_A))
    assert unreachable(site.guest_a, str(GUEST_B))  # and bridges stay apart


def _listing(site: Site) -> str:
    return sh(site.host.ns, "nft", "-a", "list", "table", "ip", "skyledger").stdout


def _tracked(site: Site, floating: IPv4Address) -> int:
    with Conntrack(netns=site.host.ns) as conntrack:
        return len(list(conntrack.dump_entries(tuple_orig=NFCTAttrTuple(daddr=str(floating)))))
