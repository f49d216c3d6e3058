"""What each port of a host lets through: its security groups' rules resolved into a filter.

Pure: given the host's ports (MAC, fixed IPs, allowed address pairs, port security, groups),
the rules of those groups and the addresses of the member ports of any group a rule names as
its remote group, `plan_port_filters` says, per port, which sources it may send from
(anti-spoofing) and which traffic may enter and leave it. The adapter renders this into
nftables; a remote group is resolved to addresses here, so a membership change is a change of
the plan and is enforced by re-applying it, with nothing restarted.

The semantics are Neutron's: rules only accept; what no rule accepts is dropped; replies of an
accepted connection are always let through (stateful); a port without port security is not
filtered at all. A rule whose remote group has no member addresses matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import collapse_addresses, ip_network

from domain.network.security_rules import ICMP_PROTOCOLS, PORT_PROTOCOLS, Rule

ETHERTYPES = {"IPv4": 4, "IPv6": 6}


def tap_device(port_id: str) -> str:
    """The host-side interface of a port, named as Nova and Neutron name it (15 characters)."""
    return f"tap{port_id.replace('-', '')[:11]}"


@dataclass(frozen=True)
class HostPort:
    """A port bound to this host, as the filter needs it."""

    port_id: str
    mac: str
    fixed_ips: tuple[str, ...]
    # (ip address or prefix, mac or None for the port's own MAC)
    allowed_address_pairs: tuple[tuple[str, str | None], ...] = ()
    port_security_enabled: bool = True
    security_group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilterRule:
    """One accepting match. `remote` None means any peer; otherwise the peers' prefixes."""

    ip_version: int
    protocol: int | None = None
    ports: tuple[int, int] | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    remote: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PortFilter:
    """The desired filter of one port. With `enabled` False the port is not filtered."""

    port_id: str
    device: str
    enabled: bool
    # (mac, prefix) pairs the port may send from; empty when not enabled.
    sources: tuple[tuple[str, str], ...]
    ingress: tuple[FilterRule, ...]
    egress: tuple[FilterRule, ...]


def plan_port_filters(ports: Iterable[HostPort], rules: Mapping[str, Sequence[Rule]],
                      members: Mapping[str, Iterable[str]]) -> tuple[PortFilter, ...]:
    """One filter per port, ordered by port id (so the same inputs render the same ruleset).
    `rules` maps a group id to its rules; `members` a group id to its member ports' addresses
    (fixed IPs and allowed-pair addresses), used to resolve rules naming a remote group."""
    return tuple(_port_filter(port, rules, members)
                 for port in sorted(ports, key=lambda port: port.port_id))


def _port_filter(port: HostPort, rules: Mapping[str, Sequence[Rule]],
                 members: Mapping[str, Iterable[str]]) -> PortFilter:
    device = tap_device(port.port_id)
    if not port.port_security_enabled:
        return PortFilter(port.port_id, device, False, (), (), ())
    sources = {(port.mac.lower(), _prefix(ip)) for ip in port.fixed_ips}
    sources |= {((mac or port.mac).lower(), _prefix(ip))
                for ip, mac in port.allowed_address_pairs}
    resolved: dict[str, list[FilterRule]] = {"ingress": [], "egress": []}
    for group_id in sorted(set(port.security_group_ids)):
        for rule in rules.get(group_id, ()):
            match = _filter_rule(rule, members)
            if match is not None and match not in resolved[rule.direction]:
                resolved[rule.direction].append(match)
    return PortFilter(port.port_id, device, True, tuple(sorted(sources)),
                      tuple(resolved["ingress"]), tuple(resolved["egress"]))


def _filter_rule(rule: Rule, members: Mapping[str, Iterable[str]]) -> FilterRule | None:
    version = ETHERTYPES[rule.ethertype]
    remote: tuple[str, ...] | None = None
    if rule.remote_group_id is not None:
        remote = _collapsed(address for address in members.get(rule.remote_group_id, ())
                            if ip_network(address, strict=False).version == version)
        if not remote:
            return None  # a group with no members: the rule admits nobody
    elif rule.remote_ip_prefix is not None and ip_network(rule.remote_ip_prefix,
                                                          strict=False).prefixlen > 0:
        remote = (str(ip_network(rule.remote_ip_prefix, strict=False)),)
    protocol = rule.protocol_number
    if protocol in ICMP_PROTOCOLS:
        # Neutron keeps an ICMP rule's type in port_range_min and its code in port_range_max.
        protocol = 1 if version == 4 else 58
        return FilterRule(version, protocol, None, rule.port_range_min, rule.port_range_max,
                          remote)
    ports = None
    if protocol in PORT_PROTOCOLS and rule.port_range_min is not None:
        ports = (rule.port_range_min, rule.port_range_max or rule.port_range_min)
    return FilterRule(version, protocol, ports, None, None, remote)


def _prefix(address: str) -> str:
    return str(ip_network(address, strict=False))


def _collapsed(addresses: Iterable[str]) -> tuple[str, ...]:
    """Members' addresses as non-overlapping prefixes (nftables refuses overlapping elements
    in one set, and an allowed pair's prefix may hold another member's address)."""
    networks = [ip_network(address, strict=False) for address in addresses]
    return tuple(str(net) for net in collapse_addresses(networks))  # type: ignore[type-var]
