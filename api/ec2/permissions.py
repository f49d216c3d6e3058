"""EC2's IP permissions and Neutron's security group rules, both ways: `IpPermissions.N`
(IpProtocol, FromPort, ToPort, IpRanges.M.CidrIp, Ipv6Ranges.M.CidrIpv6, Groups.M.GroupId)
parsed into the rules Neutron's own parser makes, and rules shown grouped back into
permissions. Protocol `-1` is every protocol; FromPort/ToPort -1 every ICMP type/code."""

from __future__ import annotations

import re
from typing import Any

from api.ec2.errors import Ec2Error, invalid_value
from api.ec2.ids import ec2_id
from api.ec2.params import Params
from domain.errors import InvalidInput
from domain.network.security_rules import Rule, parse_rule


def _port(params: Params, name: str) -> int | None:
    value = params.integer(name, -1, -1, 65535)
    return None if value == -1 else value


def _sources(params: Params, base: str, groups: dict[str, str]) -> list[tuple[str, Any]]:
    """(ethertype, ('prefix' | 'group', value)) of each range or group of one permission."""
    found: list[tuple[str, Any]] = []
    found += [("IPv4", ("prefix", c)) for c in params.listed_field(f"{base}.IpRanges", "CidrIp")]
    found += [("IPv6", ("prefix", c))
              for c in params.listed_field(f"{base}.Ipv6Ranges", "CidrIpv6")]
    for group in params.listed_field(f"{base}.Groups", "GroupId"):
        if group not in groups:
            raise Ec2Error("InvalidGroup.NotFound", f"The security group '{group}' does not "
                           "exist")
        found.append(("IPv4", ("group", groups[group])))
    return found or [("IPv4", ("prefix", "0.0.0.0/0"))]


def rules_of(params: Params, direction: str, groups: dict[str, str]) -> list[Rule]:
    """The rules `IpPermissions.N` ask for; `groups` maps the project's sg- ids to group ids."""
    numbers = sorted({int(m[1]) for k in params.values
                      if (m := re.fullmatch(r"IpPermissions\.(\d{1,4})\.IpProtocol", k))})
    if not numbers:
        raise Ec2Error("MissingParameter", "The request must contain IpPermissions")
    rules = []
    for n in numbers:
        base = f"IpPermissions.{n}"
        protocol = params.required(f"{base}.IpProtocol").lower()
        low, high = _port(params, f"{base}.FromPort"), _port(params, f"{base}.ToPort")
        for ethertype, (kind, value) in _sources(params, base, groups):
            try:
                rules.append(parse_rule(
                    direction, ethertype, None if protocol == "-1" else protocol, low, high,
                    value if kind == "prefix" else None, value if kind == "group" else None))
            except InvalidInput as bad:
                raise invalid_value(f"{base}", protocol, str(bad)) from None
    return rules


def permissions(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rule rows grouped by protocol and ports, as EC2's ipPermissions."""
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rule in rules:
        protocol = rule["protocol"] or "-1"
        key = (protocol, rule["port_range_min"], rule["port_range_max"])
        item = grouped.setdefault(key, {
            "ipProtocol": protocol,
            "fromPort": -1 if rule["port_range_min"] is None else rule["port_range_min"],
            "toPort": -1 if rule["port_range_max"] is None else rule["port_range_max"],
            "groups": [], "ipRanges": [], "ipv6Ranges": []})
        if rule["remote_group_id"]:
            item["groups"].append({"groupId": ec2_id("sg", rule["remote_group_id"]),
                                   "userId": rule["project_id"]})
        elif rule["ethertype"] == "IPv6":
            item["ipv6Ranges"].append({"cidrIpv6": rule["remote_ip_prefix"] or "::/0"})
        else:
            item["ipRanges"].append({"cidrIp": rule["remote_ip_prefix"] or "0.0.0.0/0"})
    return list(grouped.values())
