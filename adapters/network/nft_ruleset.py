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


# Frames a bridge forwards between its own ports carry this mark bit while they do (see below).
BRIDGED = 0x40000000
_B = f"bridge {TABLE}_bridged"


def isolation_rules(bridge_pattern: str | None) -> str:
    """Rebuilds the forward chain. Floating IPs need the host to route (ip_forward=1), and every
    project bridge carries an address, so without this rule the host would route one project's
    traffic into another's subnet. Same-network traffic (guests, a router's leg) is bridged,
    never routed, but where br_netfilter is on (bridge-nf-call-iptables) the kernel passes
    bridged frames through this very hook too, in and out "through" their bridge: the bridge
    family's forward hook (which sees bridged frames only, before br_netfilter's at priority
    0) marks them, this chain lets the marked ones pass, and the mark is cleared again before
    the security groups' bridge chains (which compare whole marks) see the frame."""
    text = (f"flush chain {_T} forward\nadd table {_B}\n"
            f"add chain {_B} forward {{ type filter hook forward priority -1; policy accept; }}\n"
            f"add chain {_B} postrouting {{ type filter hook postrouting priority -1; "
            f"policy accept; }}\n"
            f"flush chain {_B} forward\nflush chain {_B} postrouting\n")
    if bridge_pattern:
        pattern = f'"{bridge_pattern}"'
        clear = f"meta mark set meta mark & {~BRIDGED & 0xFFFFFFFF:#x}"
        text += (f"add rule {_B} forward meta mark set meta mark | {BRIDGED:#x}\n"
                 f"add rule {_B} postrouting {clear}\n"
                 f"add rule {_T} forward meta mark & {BRIDGED:#x} == {BRIDGED:#x} {clear} "
                 f"accept\n"
                 f"add rule {_T} forward iifname {pattern} oifname {pattern} drop\n")
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
