"""A router namespace's NAT through nftables: its table, the batch that replaces it, and the
translations read back from what the kernel holds.

The namespace is the router's alone, and so is the table (`ip skyledger_router`) inside it: a
change replaces the whole table in one `nft -f` batch (one kernel transaction), so a router is
never seen with half its rules. Translations are read back from the rules' expressions (match
on daddr/saddr, address or prefix; the dnat/snat target), never from comments.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Address
from typing import Any

from adapters.network.namespaces import run_in
from domain.network.backends import NetworkError
from domain.network.router_backend import RouterSpec, gateway_name

FAMILY, TABLE = "ip", "skyledger_router"
_T = f"{FAMILY} {TABLE}"

Translation = tuple[str, str, str]  # kind (dnat, snat), what is matched, the target address


class RouterNatError(NetworkError):
    """nft refused a batch or could not list the table."""


def batch(spec: RouterSpec) -> str:
    """The router's whole table. A floating IP's own SNAT comes before its subnet's SNAT to
    the gateway address: the first translation that matches a connection is the one made."""
    text = (f"add table {_T}\ndelete table {_T}\nadd table {_T}\n"
            f"add chain {_T} prerouting {{ type nat hook prerouting priority dstnat; }}\n"
            f"add chain {_T} postrouting {{ type nat hook postrouting priority srcnat; }}\n")
    if spec.gateway is None:
        return text
    out = f'oifname "{gateway_name(spec.gateway)}"'
    for mapping in spec.floating:
        text += f"add rule {_T} prerouting ip daddr {mapping.floating_ip} " \
                f"dnat to {mapping.fixed_ip}\n"
    for mapping in spec.floating:
        text += f"add rule {_T} postrouting ip saddr {mapping.fixed_ip} {out} " \
                f"snat to {mapping.floating_ip}\n"
    if spec.snat:
        for leg in spec.snat_legs():
            text += f"add rule {_T} postrouting ip saddr {leg.address.network} {out} " \
                    f"snat to {spec.gateway.address.ip}\n"
    return text


def apply(namespace: str, spec: RouterSpec) -> None:
    result = run_in(namespace, ["nft", "-f", "-"], stdin=batch(spec))
    if result.returncode != 0:
        raise RouterNatError(f"nft refused the router's batch: {result.stderr.strip()}")


def translations(namespace: str) -> frozenset[Translation]:
    """What the router's table translates; empty when it has no table."""
    result = run_in(namespace, ["nft", "-j", "list", "table", FAMILY, TABLE])
    if result.returncode != 0:
        if "No such file or directory" in result.stderr:
            return frozenset()
        raise RouterNatError(f"nft list failed: {result.stderr.strip()}")
    found = set()
    for item in json.loads(result.stdout).get("nftables", []):
        rule = item.get("rule")
        if rule is not None and (parsed := _parse(rule)) is not None:
            found.add(parsed)
    return frozenset(found)


def _parse(rule: dict[str, Any]) -> Translation | None:
    matched: dict[str, str] = {}
    target: tuple[str, str] | None = None
    for expr in rule.get("expr", []):
        match = expr.get("match")
        if match and match.get("op") == "==" and "payload" in match.get("left", {}):
            field = match["left"]["payload"].get("field", "")
            matched[field] = _address(match.get("right"))
        for kind in ("dnat", "snat"):
            if isinstance(expr.get(kind), dict) and isinstance(expr[kind].get("addr"), str):
                target = (kind, expr[kind]["addr"])
    if target is None:
        return None
    key = "daddr" if target[0] == "dnat" else "saddr"
    if not matched.get(key):
        return None
    return target[0], matched[key], str(IPv4Address(target[1]))


def _address(right: Any) -> str:
    """An address (`10.0.0.5`) or a prefix (`{"prefix": {"addr": .., "len": ..}}`)."""
    if isinstance(right, str):
        return right
    if isinstance(right, dict) and isinstance(right.get("prefix"), dict):
        return f"{right['prefix']['addr']}/{right['prefix']['len']}"
    return ""
