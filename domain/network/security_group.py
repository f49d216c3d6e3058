"""A security group: its rules, the ports that are its members, and the rules of other groups
that name it as their remote group.

The group is the ledger of everything that must stay consistent about it, so each invariant is
checked on one aggregate and saved atomically with the others a command touches:
- no two rules of a group are the same (Neutron's 409 on a duplicate);
- a group that ports use cannot be deleted (membership is recorded here, saved with the port);
- deleting a group deletes the rules of other groups whose remote group it is (Neutron's
  cascade), which it finds in `referrers` (recorded here when such a rule is made);
- the project's default group (`default_group_id`) is never renamed, nor deleted but by an
  admin (it is then reopened on the project's next need).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import NotFound
from domain.network.errors import InUse
from domain.network.security_rules import Rule

DEFAULT_NAME = "default"


def default_group_id(project_id: str) -> UUID:
    # A natural id: two requests that both make a project's default group conflict on save.
    return natural_id("default-security-group", project_id)


class SecurityGroupInUse(InUse):
    """Ports use the group, or it is the project's default one (Neutron's 409)."""


class SecurityGroup(Entity):
    class Created(Entity.Created):
        project_id: str
        name: str
        description: str
        stateful: bool
        is_default: bool

    @event(Created)
    def __init__(self, id: UUID, project_id: str, name: str,  # noqa: A002
                 description: str, stateful: bool = True, is_default: bool = False) -> None:
        self.project_id, self.name, self.description = project_id, name, description
        self.stateful, self.is_default = stateful, is_default
        self.rules: dict[str, dict[str, Any]] = {}  # rule id (hex) -> Rule.as_dict()
        self.ports: set[str] = set()  # member ports (hex ids)
        self.referrers: dict[str, str] = {}  # rule id -> group holding it, naming this one
        self.deleted = False

    def check_live(self) -> None:
        if self.deleted:
            raise NotFound(f"Security group {self.id} does not exist")

    # -- the group itself ---------------------------------------------------------------------
    def update(self, name: str, description: str, stateful: bool) -> None:
        self.check_live()
        if self.is_default and name != self.name:
            raise SecurityGroupInUse("Updating default security group not allowed.")
        if stateful != self.stateful and self.ports:
            raise SecurityGroupInUse(f"Security Group {self.id} in use.")
        if (name, description, stateful) != (self.name, self.description, self.stateful):
            self._updated(name, description, stateful)

    class Updated(Entity.Event):
        name: str
        description: str
        stateful: bool

    @event(Updated)
    def _updated(self, name: str, description: str, stateful: bool) -> None:
        self.name, self.description, self.stateful = name, description, stateful

    def delete(self, by_admin: bool = False) -> None:
        """Admins may delete a project's default group (as Neutron lets them, when they clean
        a project up); it is made again on the project's next need (`reopen`)."""
        self.check_live()
        if self.is_default and not by_admin:
            raise SecurityGroupInUse("Insufficient rights for removing default security "
                                     "group.")
        if self.ports:
            raise SecurityGroupInUse(f"Security Group {self.id} in use.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True

    def reopen(self) -> None:
        """A deleted default group made again, under its natural id (empty: the caller adds
        the default rules)."""
        if self.deleted:
            self._reopened(self.project_id, self.name, self.description)

    class Reopened(Entity.Event):
        # What the read model shows of the group again (it dropped the group's row).
        project_id: str
        name: str
        description: str

    @event(Reopened)
    def _reopened(self, project_id: str, name: str, description: str) -> None:
        self.deleted, self.stateful = False, True
        self.rules, self.ports, self.referrers = {}, set(), {}

    # -- rules ------------------------------------------------------------------------------
    def add_rule(self, rule_id: str, rule: Rule) -> None:
        self.check_live()
        key = rule.key()
        for existing_id, existing in self.rules.items():
            if Rule(**existing).key() == key:
                raise InUse(f"Security group rule already exists. Rule id is "
                            f"{UUID(existing_id)}.")
        self._rule_added(rule_id, rule.as_dict())

    class RuleAdded(Entity.Event):
        rule_id: str
        rule: dict[str, Any]

    @event(RuleAdded)
    def _rule_added(self, rule_id: str, rule: dict[str, Any]) -> None:
        self.rules[rule_id] = rule

    def remove_rule(self, rule_id: str) -> Rule:
        if rule_id not in self.rules:
            raise NotFound(f"Security group rule {UUID(rule_id)} does not exist")
        rule = Rule(**self.rules[rule_id])
        self._rule_removed(rule_id)
        return rule

    class RuleRemoved(Entity.Event):
        rule_id: str

    @event(RuleRemoved)
    def _rule_removed(self, rule_id: str) -> None:
        del self.rules[rule_id]

    # -- rules of other groups naming this one ------------------------------------------------
    def add_referrer(self, rule_id: str, group_id: str) -> None:
        self.check_live()
        if rule_id not in self.referrers:
            self._referenced(rule_id, group_id)

    class Referenced(Entity.Event):
        rule_id: str
        group_id: str

    @event(Referenced)
    def _referenced(self, rule_id: str, group_id: str) -> None:
        self.referrers[rule_id] = group_id

    def remove_referrer(self, rule_id: str) -> None:
        if rule_id in self.referrers:
            self._unreferenced(rule_id)

    class Unreferenced(Entity.Event):
        rule_id: str

    @event(Unreferenced)
    def _unreferenced(self, rule_id: str) -> None:
        del self.referrers[rule_id]

    # -- member ports -------------------------------------------------------------------------
    def add_port(self, port_id: str) -> None:
        self.check_live()
        if port_id not in self.ports:
            self._port_added(port_id)

    class PortAdded(Entity.Event):
        port_id: str

    @event(PortAdded)
    def _port_added(self, port_id: str) -> None:
        self.ports.add(port_id)

    def remove_port(self, port_id: str) -> None:
        if port_id in self.ports:
            self._port_removed(port_id)

    class PortRemoved(Entity.Event):
        port_id: str

    @event(PortRemoved)
    def _port_removed(self, port_id: str) -> None:
        self.ports.discard(port_id)

