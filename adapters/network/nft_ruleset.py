"""skyledger's nftables table: the batches that change it and the parsing of what it holds.

One table (`ip skyledger`) is skyledger's alone: nothing else is ever written outside it, and
nothing in it is written by anyone else. Floating addresses are read back from the rules' own
expressions (match on daddr/saddr, dnat/snat target), not from their comments, so what is listed
is what the kernel really does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

FAMILY, TABLE = "ip", "skyledger"
_T = f"{FAMILY} {TABLE}"

# Base chains at the standard NAT priorities (dstnat = -100, srcnat = 100). `add` is a no-op
# for a table or chain that exists, so this preamble can open every batch.
BASE = f"""add table {_T}
add chain {_T} prerouting {{ type nat hook prerouting priority dstnat; policy accept; }}
add chain {_T} postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}
add chain {_T} forward {{ type filter hook forward priority filter; policy accept; }}
"""


def isolation_rules(bridge_pattern: str | None) -> str:
    """Rebuilds the forward chain. Floating IPs need the host to route (ip_forward=1), and every
    project bridge carries its gateway, so without this rule the host would route one project's
    traffic into another's subnet. Same-project traffic is bridged, never routed: unaffected."""
    text = f"flush chain {_T} forward\n"
    if bridge_pattern:
        pattern = f'"{bridge_pattern}"'
        text += f"add rule {_T} forward iifname {pattern} oifname {pattern} drop\n"
    return text


def mapping_rules(floating: IPv4Address, fixed: IPv4Address, external: str | None) -> str:
    comment = f'comment "skyledger floating ip {floating}"'
    # SNAT only towards the outside (when the adapter knows which interface that is).
    out = f'oifname "{external}" ' if external else ""
    return (f"add rule {_T} prerouting ip daddr {floating} dnat to {fixed} {comment}\n"
            f"add rule {_T} postrouting ip saddr {fixed} {out}snat to {floating} {comment}\n")


def delete_rules(handles: list[tuple[str, int]]) -> str:
    return "".join(f"delete rule {_T} {chain} handle {handle}\n" for chain, handle in handles)


@dataclass(frozen=True)
class NatRule:
    chain: str
    handle: int
    kind: str  # "dnat" or "snat"
    floating_ip: IPv4Address
    fixed_ip: IPv4Address


def parse_listing(listing: str) -> list[NatRule]:
    """`nft -j list table ip skyledger` → its DNAT/SNAT rules; anything else is skipped."""
    found = []
    for item in json.loads(listing).get("nftables", []):
        rule = item.get("rule")
        if rule is not None and (parsed := _parse_rule(rule)) is not None:
            found.append(parsed)
    return found


def _parse_rule(rule: dict[str, Any]) -> NatRule | None:
    matched: dict[str, str] = {}
    target: tuple[str, str] | None = None
    for expr in rule.get("expr", []):
        match = expr.get("match")
        if match and match.get("op") == "==" and "payload" in match.get("left", {}):
            payload = match["left"]["payload"]
            if payload.get("protocol") == "ip" and isinstance(match.get("right"), str):
                matched[payload.get("field", "")] = match["right"]
        for kind in ("dnat", "snat"):
            if isinstance(expr.get(kind), dict) and isinstance(expr[kind].get("addr"), str):
                target = (kind, expr[kind]["addr"])
    try:
        if target and target[0] == "dnat" and "daddr" in matched:
            return NatRule(rule["chain"], rule["handle"], "dnat",
                           IPv4Address(matched["daddr"]), IPv4Address(target[1]))
        if target and target[0] == "snat" and "saddr" in matched:
            return NatRule(rule["chain"], rule["handle"], "snat",
                           IPv4Address(target[1]), IPv4Address(matched["saddr"]))
    except ValueError:  # a prefix or a range: not one of ours
        return None
    return None
