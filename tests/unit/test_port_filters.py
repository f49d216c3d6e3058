"""The pure plan of a host's port filters: groups' rules resolved per port."""

from __future__ import annotations

from domain.network.port_filters import FilterRule, HostPort, plan_port_filters
from domain.network.security_rules import parse_rule

WEB = [parse_rule("ingress", "IPv4", "tcp", 80, 443, remote_group_id="clients"),
       parse_rule("ingress", "IPv4", "icmp", 8, 0, remote_ip_prefix="10.0.0.0/8"),
       parse_rule("egress", "IPv4"), parse_rule("egress", "IPv6")]
PORT = HostPort("p1-port-identifier", "52:54:00:AA:00:01", ("10.1.0.5",),
                (("10.1.0.128/25", None), ("10.1.0.7", "52:54:00:bb:00:02")), True, ("web",))


def test_a_remote_group_becomes_its_members_addresses_collapsed_by_family() -> None:
    [port] = plan_port_filters([PORT], {"web": WEB},
                               {"clients": ["10.2.0.1", "10.2.0.0/24", "fd00::1", "10.3.0.9"]})

    assert port.device == "tapp1portident" and port.enabled
    assert port.ingress == (FilterRule(4, 6, (80, 443), remote=("10.2.0.0/24", "10.3.0.9/32")),
                            FilterRule(4, 1, None, 8, 0, ("10.0.0.0/8",)))
    assert port.egress == (FilterRule(4), FilterRule(6))


def test_anti_spoofing_sources_are_the_fixed_ips_and_allowed_pairs() -> None:
    [port] = plan_port_filters([PORT], {}, {})

    assert port.sources == (("52:54:00:aa:00:01", "10.1.0.128/25"),
                            ("52:54:00:aa:00:01", "10.1.0.5/32"),
                            ("52:54:00:bb:00:02", "10.1.0.7/32"))
    assert port.ingress == port.egress == ()  # no group rules: everything but replies dropped


def test_a_remote_group_without_members_admits_nobody() -> None:
    [port] = plan_port_filters([PORT], {"web": WEB}, {"clients": []})

    assert [rule.protocol for rule in port.ingress] == [1]


def test_a_port_without_port_security_is_not_filtered() -> None:
    open_port = HostPort("p2", "52:54:00:aa:00:02", ("10.1.0.6",), port_security_enabled=False,
                         security_group_ids=("web",))
    filters = plan_port_filters([PORT, open_port], {"web": WEB}, {})

    assert [(f.port_id, f.enabled, f.sources, f.ingress) for f in filters][1] == (
        "p2", False, (), ())
