"""The text of skyledger's security-group tables: a host's port filters as one nft batch.

Two tables, replaced together in one batch (one kernel transaction):
- `inet skyledger_sg` only copies conntrack's verdict into the packet mark. This kernel has no
  nf_conntrack_bridge, so the bridge family cannot read `ct state`; bridged IP packets do pass
  the inet hooks through br_netfilter (bridge-nf-call-iptables), where conntrack runs, and the
  mark travels with the packet into the bridge hooks that follow.
- `bridge skyledger_sg` filters each port on its tap: frames entering the bridge from the tap
  (the guest's egress) in prerouting, after br_netfilter (priority 0); frames leaving the bridge
  through the tap (the guest's ingress, forwarded or from the host) in postrouting, before
  br_netfilter's conntrack confirmation, so a refused connection leaves no state behind.
Every batch opens with `add table` + `delete table`, so it replaces whatever was there.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.network.port_filters import FilterRule, PortFilter

TABLE = "skyledger_sg"
ESTABLISHED, INVALID = "0x00005c01", "0x00005c02"
_FAMILIES = ("inet", "bridge")

_CONNTRACK = f"""table inet {TABLE} {{
  chain conntrack_in {{ type filter hook prerouting priority -150; policy accept;
    ct state established,related meta mark set {ESTABLISHED}
    ct state invalid meta mark set {INVALID}
  }}
  chain conntrack_out {{ type filter hook output priority -150; policy accept;
    ct state established,related meta mark set {ESTABLISHED}
    ct state invalid meta mark set {INVALID}
  }}
}}
"""
# Neighbour discovery a port must send and receive for IPv6 to work at all.
_ND_OUT = "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }"
_ND_IN = "icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }"


def render(filters: Sequence[PortFilter]) -> str:
    """The whole batch for a host: both tables, every filtered port."""
    enabled = [port for port in filters if port.enabled]
    text = "".join(f"add table {family} {TABLE}\ndelete table {family} {TABLE}\n"
                   for family in _FAMILIES)
    text += _CONNTRACK + f"table bridge {TABLE} {{\n"
    text += _dispatch("from_ports", "prerouting", "iifname", "egress", enabled)
    text += _dispatch("to_ports", "postrouting", "oifname", "ingress", enabled)
    for port in enabled:
        text += _chain(f"egress_{port.device}", _egress(port))
        text += _chain(f"egress_rules_{port.device}", _rules(port.egress, "daddr"))
        text += _chain(f"ingress_{port.device}", _ingress(port))
    return text + "}\n"


def _dispatch(name: str, hook: str, key: str, prefix: str, ports: list[PortFilter]) -> str:
    body = f"  chain {name} {{ type filter hook {hook} priority 100; policy accept;\n"
    if ports:
        verdicts = ", ".join(f'"{port.device}" : jump {prefix}_{port.device}' for port in ports)
        body += f"    {key} vmap {{ {verdicts} }}\n"
    return body + "  }\n"


def _chain(name: str, lines: list[str]) -> str:
    return f"  chain {name} {{\n" + "".join(f"    {line}\n" for line in lines) + "  }\n"


def _egress(port: PortFilter) -> list[str]:
    """Anti-spoofing first (source MAC and IP, ARP included), then the group rules."""
    rules = "jump egress_rules_" + port.device
    lines = []
    for mac, prefix in port.sources:
        family = "ip" if ":" not in prefix else "ip6"
        if family == "ip":
            lines.append(f"ether type arp ether saddr {mac} arp saddr ether {mac} "
                         f"arp saddr ip {prefix} accept")
        lines.append(f"ether saddr {mac} {family} saddr {prefix} {rules}")
    macs = ", ".join(sorted({mac for mac, _ in port.sources}))
    if macs:
        # DHCP discovery (from no address yet), IPv6 link-local and neighbour discovery.
        lines += [f"ether saddr {{ {macs} }} ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept",
                  f"ether saddr {{ {macs} }} ip6 saddr fe80::/64 {_ND_OUT} accept",
                  f"ether saddr {{ {macs} }} ip6 saddr fe80::/64 {rules}"]
    return [*lines, "drop"]


def _ingress(port: PortFilter) -> list[str]:
    return ["ether type arp accept",
            f"meta mark {INVALID} drop",
            f"meta mark {ESTABLISHED} accept",
            "udp sport 67 udp dport 68 accept",  # DHCP offers and acks from the network's server
            f"{_ND_IN} accept",
            *(_match(rule, "saddr") for rule in port.ingress),
            "drop"]


def _rules(rules: Sequence[FilterRule], peer: str) -> list[str]:
    return [f"meta mark {INVALID} drop",
            "udp sport 67 udp dport 68 drop",  # a guest may not answer as a DHCP server
            f"meta mark {ESTABLISHED} accept",
            *(_match(rule, peer) for rule in rules),
            "drop"]


def _match(rule: FilterRule, peer: str) -> str:
    """One accepting rule; `peer` is saddr for ingress (who sends to the port), daddr for
    egress (whom the port sends to)."""
    family = "ip" if rule.ip_version == 4 else "ip6"
    parts = [f"ether type {family}"]
    if rule.remote is not None:
        parts.append(f"{family} {peer} {{ {', '.join(rule.remote)} }}")
    if rule.protocol is not None:
        parts.append(f"meta l4proto {rule.protocol}")
    if rule.ports is not None:
        low, high = rule.ports
        parts.append(f"th dport {low}" if low == high else f"th dport {low}-{high}")
    icmp = "icmp" if rule.ip_version == 4 else "icmpv6"
    if rule.icmp_type is not None:
        parts.append(f"{icmp} type {rule.icmp_type}")
        if rule.icmp_code is not None:
            parts.append(f"{icmp} code {rule.icmp_code}")
    return " ".join([*parts, "accept"])
