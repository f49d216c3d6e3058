"""Security group rules as Neutron canonicalises and compares them (no I/O)."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.network.security_rules import Rule, default_rules, parse_rule


def test_canonical_forms() -> None:
    assert parse_rule("ingress", "ipv4", "TCP", "22", 22).protocol == "tcp"
    assert parse_rule("ingress", "IPv6", "icmp").protocol == "ipv6-icmp"
    assert parse_rule("ingress", "IPv6", 1).protocol == "58"
    assert parse_rule("ingress", protocol="any").protocol is None
    whole = parse_rule("ingress", protocol="udp", port_range_min=1, port_range_max=65535)
    assert (whole.port_range_min, whole.port_range_max) == (None, None)
    assert parse_rule("egress", remote_ip_prefix="10.2.3.124/24").remote_ip_prefix == \
        "10.2.3.124/24"
    assert parse_rule("egress", "IPv6", remote_ip_prefix="2001:db8::1").remote_ip_prefix == \
        "2001:db8::1/128"


def test_a_protocol_by_name_or_number_and_any_prefix_are_the_same_rule() -> None:
    by_name = parse_rule("ingress", protocol="tcp", port_range_min=80, port_range_max=80)
    by_number = parse_rule("ingress", protocol=6, port_range_min=80, port_range_max=80,
                           remote_ip_prefix="0.0.0.0/0")
    assert by_name.key() == by_number.key()
    assert by_name.key() != parse_rule("egress", protocol="tcp", port_range_min=80,
                                       port_range_max=80).key()


@pytest.mark.parametrize("kwargs", [
    {"protocol": 256}, {"protocol": "nonsense"}, {"ethertype": "IPv5"},
    {"protocol": "tcp", "port_range_min": 0, "port_range_max": 5},
    {"protocol": "icmp", "port_range_min": 256},
    {"protocol": "ipv6-icmp"},  # IPv4 by default
    {"remote_ip_prefix": "10.0.0.0/33"},
])
def test_what_neutron_refuses(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        parse_rule("ingress", **kwargs)  # type: ignore[arg-type]


def test_default_rules() -> None:
    assert default_rules("g", is_default=False) == [Rule("egress", "IPv4"),
                                                     Rule("egress", "IPv6")]
    ingress = [r for r in default_rules("g", is_default=True) if r.direction == "ingress"]
    assert {(r.ethertype, r.remote_group_id) for r in ingress} == {("IPv4", "g"), ("IPv6", "g")}
