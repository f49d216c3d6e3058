"""Nova's view of Neutron's security groups (its `security_group_api` proxy), from the same read
model: a group shows its ingress rules only, a rule its port range as `from_port`/`to_port`
(a whole-range rule 1-65535 for TCP/UDP, -1 for ICMP) and either its remote group's name and
project or its CIDR (0.0.0.0/0 for none). A rule asked for in Nova's terms becomes a Neutron
ingress rule with Nova's checks first (400 in Nova's words).
"""

from __future__ import annotations

from ipaddress import ip_interface
from typing import Any

from api.bodies.networks import dashed
from api.bodies.security_groups import sg_views
from api.deps import CloudServices
from domain.errors import InvalidInput
from domain.network.security_rules import Rule, parse_rule
from projections.store import Row

NOVA_PROTOCOLS = ("TCP", "UDP", "ICMP")


def nova_ports(row: Row | dict[str, Any]) -> tuple[int | None, int | None]:
    protocol, low, high = row["protocol"], row["port_range_min"], row["port_range_max"]
    if protocol and low is None and high is None:
        return (1, 65535) if protocol.upper() in ("TCP", "UDP") else (-1, -1)
    return low, high


def nova_rule(row: Row, groups: dict[str, Row]) -> dict[str, Any] | None:
    """None for a rule whose remote group is gone (Nova leaves such a rule out)."""
    low, high = nova_ports(row)
    body: dict[str, Any] = {"id": dashed(row["id"]), "parent_group_id": dashed(row["group_id"]),
                            "ip_protocol": row["protocol"], "from_port": low, "to_port": high,
                            "group": {}, "ip_range": {}}
    if row["remote_group_id"]:
        remote = groups.get(row["remote_group_id"])
        if remote is None:
            return None
        body["group"] = {"name": remote["name"], "tenant_id": remote["project_id"]}
    else:
        body["ip_range"] = {"cidr": row["remote_ip_prefix"] or "0.0.0.0/0"}
    return body


def nova_groups(cloud: CloudServices, rows: list[Row]) -> list[dict[str, Any]]:
    """Nova's bodies of these groups, sorted by project and name as Nova sorts them."""
    views = sg_views(cloud)
    rules = [r for r in views.rules([g["id"] for g in rows]) if r["direction"] == "ingress"]
    known = {g["id"]: g for g in rows}
    for remote_id in {r["remote_group_id"] for r in rules} - set(known) - {None}:
        remote = views.group(remote_id)
        if remote is not None:
            known[remote_id] = remote
    bodies = []
    for group in rows:
        shown = [nova_rule(r, known) for r in rules if r["group_id"] == group["id"]]
        bodies.append({"id": dashed(group["id"]), "name": group["name"],
                       "description": group["description"], "tenant_id": group["project_id"],
                       "rules": [r for r in shown if r is not None]})
    return sorted(bodies, key=lambda b: (b["tenant_id"], b["name"]))


def to_int(value: Any, protocol: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        if protocol.upper() == "ICMP":
            raise InvalidInput("Type and Code must be integers for ICMP protocol type") from None
        raise InvalidInput("To and From ports must be integers") from None


def nova_cidr(cidr: Any) -> str:
    if not cidr:
        return "0.0.0.0/0"
    try:
        interface = ip_interface(str(cidr))
    except ValueError:
        raise InvalidInput(f"{cidr} is not a valid IP network.") from None
    if interface.network.prefixlen == 0 and not interface.ip.is_unspecified:
        raise InvalidInput(f"Bad prefix for network in cidr {cidr}")
    return str(cidr)


def nova_rule_request(ip_protocol: Any, from_port: Any, to_port: Any, cidr: Any,
                      group_id: str | None) -> Rule:
    """Nova's `_new_ingress_rule` and its checks, then the Neutron rule it asks for."""
    protocol = str(ip_protocol) if ip_protocol else ""
    if group_id and from_port is None and to_port is None:
        if protocol.upper() == "ICMP":
            from_port = to_port = -1
        elif protocol.upper() in ("TCP", "UDP"):
            from_port, to_port = 1, 65535
    prefix = None if group_id else nova_cidr(cidr)
    if not (protocol and from_port is not None and to_port is not None):
        if not group_id:
            raise InvalidInput("Not enough parameters to build a valid rule.")
        return parse_rule("ingress", "IPv4", protocol or None, remote_group_id=group_id)
    low, high = to_int(from_port, protocol), to_int(to_port, protocol)
    if protocol.upper() not in NOVA_PROTOCOLS:
        raise InvalidInput(f"Invalid IP protocol {protocol}.")
    if protocol.upper() in ("TCP", "UDP"):
        if low > high:
            raise InvalidInput(f"Invalid port range {low}:{high}. Former value cannot be "
                               "greater than the later")
        if low < 1 or high > 65535:
            raise InvalidInput(f"Invalid port range {low}:{high}. Valid {protocol.upper()} "
                               "ports should be between 1-65535")
    elif not (-1 <= low <= 255 and -1 <= high <= 255):
        raise InvalidInput(f"Invalid port range {low}:{high}. For ICMP, the type:code must "
                           "be valid")
    ethertype = f"IPv{ip_interface(prefix).version}" if prefix else "IPv4"
    return parse_rule("ingress", ethertype, protocol.lower(),
                      None if low == -1 else low, None if high == -1 else high,
                      prefix, group_id)
