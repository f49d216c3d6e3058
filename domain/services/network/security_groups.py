"""Security groups and their rules, and which groups a port is in.

Every command saves the groups it changes with the project's quota ledger (`security_groups`,
`security_group_rules`) in ONE `save()`, so quota is never over-consumed and a rule naming a
remote group is recorded on both groups at once. A project's default group (Neutron's rules:
egress open, ingress from its own members) is made on first need by whichever command needs it
first, in that command's save; its natural id makes two racing first uses conflict and rerun.

The `plan_*` functions change aggregates in a `Workset` without saving, so the port commands
and a boot can put a port in its groups in their own save.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.network.port import Port
from domain.network.security_group import (
    DEFAULT_NAME,
    SecurityGroup,
    SecurityGroupInUse,
    default_group_id,
)
from domain.network.security_rules import Rule, default_rules
from domain.services.network.workset import Workset, check_owner

MAX_NAME_LENGTH = 255
DEFAULT_DESCRIPTION = "Default security group"


def plan_default_group(ws: Workset, project_id: str) -> SecurityGroup:
    """The project's default group, made (with its rules, counted on the quota) if it has none."""
    found = ws.find(default_group_id(project_id))
    if isinstance(found, SecurityGroup) and not found.deleted:
        return found
    if isinstance(found, SecurityGroup):
        group = found
        group.reopen()
    else:
        group = ws.add(SecurityGroup(id=default_group_id(project_id), project_id=project_id,
                                     name=DEFAULT_NAME, description=DEFAULT_DESCRIPTION,
                                     is_default=True))
    rules = default_rules(group.id.hex, is_default=True)
    add_rules(group, rules)
    # Recorded, not claimed: the default group exists whatever the project's limits say.
    ws.ledger(project_id).record({"security_groups": 1, "security_group_rules": len(rules)})
    return group


def add_rules(group: SecurityGroup, rules: Iterable[Rule]) -> None:
    for rule in rules:
        rule_id = uuid.uuid4().hex
        group.add_rule(rule_id, rule)
        if rule.remote_group_id == group.id.hex:
            group.add_referrer(rule_id, group.id.hex)


def check_labels(name: object, description: object) -> None:
    for what, value in (("name", name), ("description", description)):
        if not isinstance(value, str) or len(value) > MAX_NAME_LENGTH:
            raise InvalidInput(f"Invalid input for {what}. Reason: '{value}' is not a valid "
                               f"string or exceeds {MAX_NAME_LENGTH} characters.")


def check_not_default_name(name: str) -> None:
    if name.lower() == DEFAULT_NAME:
        raise SecurityGroupInUse("Default security group already exists.")


def plan_port_groups(ws: Workset, port: Port, group_ids: list[str] | None,
                     port_security_enabled: bool = True) -> None:
    """Put the port in exactly these groups (hex or dashed ids; None: the project's default
    group, or none when port security is off), taking it out of the groups it leaves."""
    if group_ids is None:
        groups = [plan_default_group(ws, port.project_id)] if port_security_enabled else []
    else:
        groups = []
        for ref in group_ids:
            group = ws.security_group(ref)
            if group.project_id != port.project_id:
                raise NotFound(f"Security group {ref} does not exist")
            if group not in groups:
                groups.append(group)
    wanted = [g.id.hex for g in groups]
    before = port.security_groups
    port.secure(wanted, port_security_enabled)
    leave_groups(ws, port.id.hex, [g for g in before if g not in wanted])
    for group in groups:
        group.add_port(port.id.hex)


def leave_groups(ws: Workset, port_id: str, group_ids: Iterable[str]) -> None:
    """Take the port out of these groups (a group deleted meanwhile cannot hold it)."""
    for group_id in group_ids:
        group = ws.find(UUID(group_id))
        if isinstance(group, SecurityGroup):
            group.remove_port(port_id)


def plan_rule(ws: Workset, group: SecurityGroup, rule: Rule) -> str:
    """Add a rule to the group (its remote group must be a live group of the same project),
    counted on the group's project quota. Returns the new rule's id."""
    group.check_live()
    remote = None
    if rule.remote_group_id is not None:
        remote = ws.security_group(rule.remote_group_id)
        if remote.project_id != group.project_id:
            raise NotFound(f"Security group {rule.remote_group_id} does not exist")
        rule = Rule(**{**rule.as_dict(), "remote_group_id": remote.id.hex})
    ws.ledger(group.project_id).claim({"security_group_rules": 1})
    rule_id = uuid.uuid4().hex
    group.add_rule(rule_id, rule)
    if remote is not None:
        remote.add_referrer(rule_id, group.id.hex)
    return rule_id


def plan_rule_removal(ws: Workset, group: SecurityGroup, rule_id: str) -> None:
    rule = group.remove_rule(rule_id)
    if rule.remote_group_id is not None:
        remote = ws.find(UUID(rule.remote_group_id))
        if isinstance(remote, SecurityGroup):
            remote.remove_referrer(rule_id)
    ws.ledger(group.project_id).release({"security_group_rules": 1})


def plan_group_deletion(ws: Workset, group: SecurityGroup, by_admin: bool = False) -> None:
    """Delete the group with its rules, and the rules of other groups that name it (Neutron
    deletes those with it); quota goes back for every rule deleted."""
    referrers = dict(group.referrers)
    rule_ids = list(group.rules)
    group.delete(by_admin)  # refused while ports use it, and the default group but to admins
    for rule_id in rule_ids:
        plan_rule_removal(ws, group, rule_id)
    for rule_id, holder_id in referrers.items():
        holder = ws.find(UUID(holder_id))
        if isinstance(holder, SecurityGroup) and holder is not group and rule_id in holder.rules:
            plan_rule_removal(ws, holder, rule_id)
    ws.ledger(group.project_id).release({"security_groups": 1})


class SecurityGroupService:
    """Commands on security groups and rules. Every id is a hex or dashed UUID string."""

    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def ensure_default(self, ctx: RequestContext, project_id: str) -> SecurityGroup:
        """The project's default group, made on first need (Neutron makes it when a project
        first lists or creates groups or ports)."""
        ws = Workset(self.app)
        group = plan_default_group(ws, project_id)
        self.save(ws)
        return group

    @command
    def create_group(self, ctx: RequestContext, project_id: str, name: str,
                     description: str = "", stateful: bool = True) -> SecurityGroup:
        """A group with Neutron's egress rules (QuotaExceeded past `security_groups` or
        `security_group_rules`; a group named `default` is refused: there is one already)."""
        check_labels(name, description)
        check_not_default_name(name)
        ws = Workset(self.app)
        plan_default_group(ws, project_id)
        group = ws.add(SecurityGroup(id=uuid.uuid4(), project_id=project_id, name=name,
                                     description=description, stateful=stateful))
        rules = default_rules(group.id.hex, is_default=False)
        ws.ledger(project_id).claim({"security_groups": 1, "security_group_rules": len(rules)})
        add_rules(group, rules)
        self.save(ws)
        return group

    @command
    def update_group(self, ctx: RequestContext, group_id: str, name: str | None = None,
                     description: str | None = None,
                     stateful: bool | None = None) -> SecurityGroup:
        """What is None keeps its value; the default group keeps its name."""
        ws = Workset(self.app)
        group = self.owned(ctx, ws, group_id)
        new_name = group.name if name is None else name
        new_description = group.description if description is None else description
        check_labels(new_name, new_description)
        if name is not None and not group.is_default:
            check_not_default_name(name)
        group.update(new_name, new_description, group.stateful if stateful is None else stateful)
        self.save(ws)
        return group

    @command
    def delete_group(self, ctx: RequestContext, group_id: str) -> None:
        ws = Workset(self.app)
        plan_group_deletion(ws, self.owned(ctx, ws, group_id), ctx.is_admin)
        self.save(ws)

    @command
    def create_rule(self, ctx: RequestContext, group_id: str, rule: Rule) -> tuple[str,
                                                                                   SecurityGroup]:
        """NotFound for a remote group or group the caller cannot see, InUse (409) for a rule
        the group has already, QuotaExceeded past `security_group_rules`."""
        ws = Workset(self.app)
        group = self.owned(ctx, ws, group_id)
        rule_id = plan_rule(ws, group, rule)
        self.save(ws)
        return rule_id, group

    @command
    def delete_rule(self, ctx: RequestContext, group_id: str, rule_id: str) -> None:
        """`group_id` is the group the read model says holds the rule; the group decides."""
        ws = Workset(self.app)
        group = self.owned(ctx, ws, group_id)
        plan_rule_removal(ws, group, parse_rule_id(rule_id))
        self.save(ws)

    @command
    def set_port_groups(self, ctx: RequestContext, port_id: str, group_ids: list[str] | None,
                        port_security_enabled: bool | None = None) -> Port:
        """Neutron's `PUT /ports/{id}` of `security_groups` (None keeps them) and
        `port_security_enabled` (None keeps it)."""
        ws = Workset(self.app)
        port = ws.port(port_id)
        check_owner(ctx, port.project_id, "Port", port_id)
        enabled = port.port_security_enabled if port_security_enabled is None \
            else port_security_enabled
        if group_ids is None:  # kept: turning port security off needs them gone first
            group_ids = list(port.security_groups)
        plan_port_groups(ws, port, group_ids, enabled)
        self.save(ws)
        return port

    @command
    def add_to_ports(self, ctx: RequestContext, port_ids: list[str], group_id: str) -> None:
        """Nova's addSecurityGroup: the group joins every port of an instance, in one save;
        a port with port security off cannot take it (InvalidInput)."""
        ws = Workset(self.app)
        group = ws.security_group(group_id)
        for port_id in port_ids:
            port = ws.port(port_id)
            if not port.port_security_enabled:
                raise InvalidInput(f"Unable to add security group {group_id}: port {port_id} "
                                   "has port security disabled.")
            plan_port_groups(ws, port, [*port.security_groups, group.id.hex])
        self.save(ws)

    @command
    def remove_from_ports(self, ctx: RequestContext, port_ids: list[str],
                          group_id: str) -> None:
        """Nova's removeSecurityGroup: off every port of the instance that has it (NotFound
        when none has)."""
        ws = Workset(self.app)
        group = ws.security_group(group_id)
        holders = [p for p in (ws.port(i) for i in port_ids)
                   if group.id.hex in p.security_groups]
        if not holders:
            raise NotFound(f"Security group {group.name} not associated with the instance.")
        for port in holders:
            plan_port_groups(ws, port, [g for g in port.security_groups if g != group.id.hex],
                             port.port_security_enabled)
        self.save(ws)

    # -- queries ----------------------------------------------------------------------------
    def group(self, ctx: RequestContext, group_id: str) -> SecurityGroup:
        return self.owned(ctx, Workset(self.app), group_id)

    def owned(self, ctx: RequestContext, ws: Workset, group_id: str) -> SecurityGroup:
        group = ws.security_group(group_id)
        check_owner(ctx, group.project_id, "Security group", group_id)
        return group

    def save(self, ws: Workset) -> None:
        if ws.changed():
            self.app.save(*ws.changed())


def parse_rule_id(ref: str) -> str:
    try:
        return UUID(str(ref)).hex
    except ValueError:
        raise NotFound(f"Security group rule {ref} does not exist") from None
