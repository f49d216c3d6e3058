"""The port filters one host must hold, read from current state, and the events that change them.

Level-triggered like plans.py: an event only says "look again"; the filters follow from the
aggregates as they are now. A host's ports are those of the live instances on it (the same
claims `plans.desired` walks); their groups' rules come from the SecurityGroup
aggregates, and a rule naming a remote group is resolved to the addresses of that group's member
ports wherever they run, so a port joining or leaving a group anywhere re-plans every host.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.network.port import Port
from domain.network.port_filters import HostPort, PortFilter, plan_port_filters
from domain.network.security_group import SecurityGroup
from domain.network.security_rules import Rule
from domain.process.network.plans import on_host

SECURITY_EVENTS: tuple[type[Any], ...] = (
    SecurityGroup.RuleAdded, SecurityGroup.RuleRemoved, SecurityGroup.PortAdded,
    SecurityGroup.PortRemoved, SecurityGroup.Deleted, Port.SecurityChanged,
    Port.FixedIpsChanged, Port.AttributesChanged, Port.Bound, Port.Unbound)
SECURITY_TOPICS: tuple[str, ...] = tuple(get_topic(c) for c in SECURITY_EVENTS)


def desired_filters(app: SkyLedger, host: str) -> tuple[PortFilter, ...]:
    """The filter of every port of every live instance on `host`."""
    node = app.find(node_id(host))
    if not isinstance(node, ComputeNode):
        return ()
    ports: list[Port] = []
    for instance_id in sorted({UUID(key.split(":")[0]) for key in node.claims}):
        instance = app.find(instance_id)
        if not isinstance(instance, Instance) or not on_host(instance, host):
            continue
        for attached in instance.ports:
            port = app.find(UUID(attached["id"]))
            if isinstance(port, Port) and not port.deleted:
                ports.append(port)
    groups = _groups(app, {g for port in ports for g in port.security_groups})
    remotes = {Rule(**rule).remote_group_id for group in groups.values()
               for rule in group.rules.values()} - {None}
    members = {gid: _member_addresses(app, group)
               for gid, group in _groups(app, {g for g in remotes if g}).items()}
    rules = {gid: [Rule(**rule) for rule in group.rules.values()]
             for gid, group in groups.items()}
    return plan_port_filters([host_port(port) for port in ports], rules, members)


def host_port(port: Port) -> HostPort:
    pairs = tuple((pair["ip_address"], pair.get("mac_address"))
                  for pair in port.attributes.get("allowed_address_pairs") or [])
    return HostPort(port.id.hex, port.mac, tuple(f["ip_address"] for f in port.fixed_ips),
                    pairs, port.port_security_enabled, port.security_groups)


def _groups(app: SkyLedger, group_ids: set[str]) -> dict[str, SecurityGroup]:
    found = {gid: app.find(UUID(gid)) for gid in sorted(group_ids)}
    return {gid: group for gid, group in found.items()
            if isinstance(group, SecurityGroup) and not group.deleted}


def _member_addresses(app: SkyLedger, group: SecurityGroup) -> list[str]:
    addresses: list[str] = []
    for port_id in sorted(group.ports):
        port = app.find(UUID(port_id))
        if isinstance(port, Port) and not port.deleted:
            member = host_port(port)
            addresses += [*member.fixed_ips, *(ip for ip, _ in member.allowed_address_pairs)]
    return addresses
