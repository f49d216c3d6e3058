"""Security groups enforced on real traffic: three namespaces play guests on one bridge inside a
namespace playing the host; the host's port filters are applied with nft, then TCP and ICMP are
sent between the guests.

    host: br0 --tap A (10.80.0.10, group web: tcp 8080 from group clients, icmp from anyone)
              --tap B (10.80.0.11, group clients)
              --tap C (10.80.0.12, no group but egress-all)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from adapters.network.nft_port_filter_rules import TABLE
from adapters.network.nft_port_filters import NftPortFilters
from domain.network.port_filters import HostPort, plan_port_filters, tap_device
from domain.network.security_rules import parse_rule
from tests.integration.network.test_nat import fetch, serve
from tests.support.network_namespaces import (
    Host,
    Namespaces,
    connect,
    ip,
    pings,
    sh,
    unreachable,
)

RULES = {
    "web": [parse_rule("ingress", "IPv4", "tcp", 8080, 8080, remote_group_id="clients"),
            parse_rule("ingress", "IPv4", "icmp")],
    "clients": [],
    "egress-all": [parse_rule("egress", "IPv4")],
}
PORTS = {name: HostPort(f"{name}0000000-port", f"52:54:00:80:00:{index:02x}",
                        (f"10.80.0.{10 + index}",), security_group_ids=groups)
         for index, (name, groups) in enumerate((("a", ("web", "egress-all")),
                                                 ("b", ("clients", "egress-all")),
                                                 ("c", ("egress-all",))))}


@dataclass(frozen=True)
class Site:
    host: Host
    guests: dict[str, str]  # port name -> guest namespace
    filters: NftPortFilters

    def apply(self, members: dict[str, list[str]], **ports: HostPort) -> None:
        hosted = {**PORTS, **ports}.values()
        self.filters.apply(plan_port_filters(hosted, RULES, members))


@pytest.fixture
def site(network_tools: None, namespaces: Namespaces) -> Site:
    host = Host(namespaces.new("host"))
    ip(host.ns, "link", "add", "br0", "type", "bridge")
    ip(host.ns, "link", "set", "br0", "up")
    guests = {}
    for name, port in PORTS.items():
        guest = namespaces.new(f"g{name}")
        connect(host.ns, tap_device(port.port_id), guest, "eth0", mac_b=port.mac)
        ip(host.ns, "link", "set", tap_device(port.port_id), "master", "br0")
        ip(guest, "link", "set", "lo", "up")
        ip(guest, "addr", "add", f"{port.fixed_ips[0]}/24", "dev", "eth0")
        guests[name] = guest
    return Site(host, guests, NftPortFilters(host.ns))


@pytest.fixture
def server_in_a(site: Site) -> Iterator[None]:
    yield from serve(site.guests["a"], "guest-a")


A = PORTS["a"].fixed_ips[0]


def test_rules_admit_what_they_name_and_drop_the_rest(site: Site, server_in_a: None) -> None:
    assert fetch(site.guests["c"], A) == "guest-a 10.80.0.12"  # unfiltered before any apply

    site.apply({"clients": ["10.80.0.11"]})

    assert fetch(site.guests["b"], A) == "guest-a 10.80.0.11"  # member of the remote group
    assert fetch(site.guests["c"], A) is None  # not a member
    assert pings(site.guests["c"], A)  # icmp from anyone
    assert unreachable(site.guests["a"], "10.80.0.12")  # C has no ingress rule: echo dropped


def test_a_membership_change_takes_effect_on_reapply(site: Site, server_in_a: None) -> None:
    site.apply({"clients": ["10.80.0.11"]})
    assert fetch(site.guests["c"], A) is None

    site.apply({"clients": ["10.80.0.11", "10.80.0.12"]})
    assert fetch(site.guests["c"], A) == "guest-a 10.80.0.12"

    site.apply({"clients": ["10.80.0.12"]})
    assert fetch(site.guests["b"], A) is None
    assert fetch(site.guests["c"], A) == "guest-a 10.80.0.12"


def test_a_port_cannot_send_from_an_address_it_does_not_own(site: Site) -> None:
    site.apply({"clients": []})
    assert pings(site.guests["c"], A)
    ip(site.guests["c"], "addr", "flush", "dev", "eth0")
    ip(site.guests["c"], "addr", "add", "10.80.0.99/24", "dev", "eth0")
    assert unreachable(site.guests["c"], A)  # spoofed source

    unprotected = HostPort(PORTS["c"].port_id, PORTS["c"].mac, PORTS["c"].fixed_ips,
                           port_security_enabled=False)
    site.apply({"clients": []}, c=unprotected)
    assert pings(site.guests["c"], A)  # port security off: not filtered


def test_the_tables_are_replaced_whole_and_their_loss_is_visible(site: Site) -> None:
    site.apply({"clients": ["10.80.0.11"]})
    assert site.filters.applied()

    sh(site.host.ns, "nft", "delete", "table", "bridge", TABLE)
    assert not site.filters.applied()

    site.apply({"clients": ["10.80.0.11"]})
    site.apply({"clients": ["10.80.0.11"]})  # idempotent: the batch replaces, never appends
    listing = sh(site.host.ns, "nft", "list", "table", "bridge", TABLE).stdout
    assert listing.count("chain ingress_") == 3 and site.filters.applied()
