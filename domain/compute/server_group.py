"""Server groups: affinity and anti-affinity, hard or soft, enforced when a claim is saved.

Membership (instance → host) lives on the group, and the group is saved with every claim of a
member, so two concurrent boots into an anti-affinity group cannot land on the same host.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import DomainError

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


class GroupPolicyViolated(DomainError):
    pass


class ServerGroup(Entity):
    class Created(Entity.Created):
        name: str
        policy: str
        rules: dict[str, Any]
        project_id: str
        user_id: str

    @event(Created)
    def __init__(
        self, name: str, policy: str, rules: dict[str, Any], project_id: str, user_id: str
    ) -> None:
        self.name, self.policy, self.rules = name, policy, rules
        self.project_id, self.user_id = project_id, user_id
        self.members: dict[str, str | None] = {}  # instance id (hex) -> host
        # A resizing member holds its destination too until the resize is confirmed or reverted.
        self.moving: dict[str, str] = {}
        self.deleted = False

    def hosts(self) -> list[str]:
        return [h for h in self.members.values() if h] + list(self.moving.values())

    def other_hosts(self, instance_hex: str) -> list[str]:
        """Hosts the other members occupy (a resizing member counts on both of its hosts)."""
        return [h for i, h in self.members.items() if h and i != instance_hex] + [
            h for i, h in self.moving.items() if i != instance_hex
        ]

    def check_host(self, instance_hex: str, host: str) -> None:
        """Hard policies only; soft ones are preferences the weighers apply."""
        others = self.other_hosts(instance_hex)
        if self.policy == "affinity" and others and any(h != host for h in others):
            raise GroupPolicyViolated(f"Group {self.id} wants affinity with {others[0]}")
        if self.policy == "anti-affinity":
            limit = int(self.rules.get("max_server_per_host", 1))
            if others.count(host) >= limit:
                raise GroupPolicyViolated(
                    f"Group {self.id} already has {limit} member(s) on {host}"
                )

    def place(self, instance_hex: str, host: str | None) -> None:
        if host is not None:
            self.check_host(instance_hex, host)
        if self.members.get(instance_hex, "unset") != host:
            self._placed(instance_hex, host)

    class MemberPlaced(Entity.Event):
        instance_id: str
        host: str | None

    @event(MemberPlaced)
    def _placed(self, instance_id: str, host: str | None) -> None:
        self.members[instance_id] = host

    def start_move(self, instance_hex: str, host: str) -> None:
        self.check_host(instance_hex, host)
        self._moving(instance_hex, host)

    class MemberMoving(Entity.Event):
        instance_id: str
        host: str

    @event(MemberMoving)
    def _moving(self, instance_id: str, host: str) -> None:
        self.moving[instance_id] = host

    def finish_move(self, instance_hex: str) -> None:
        if instance_hex in self.moving:
            self._moved(instance_hex)

    class MemberMoved(Entity.Event):
        instance_id: str

    @event(MemberMoved)
    def _moved(self, instance_id: str) -> None:
        self.members[instance_id] = self.moving.pop(instance_id)

    def cancel_move(self, instance_hex: str) -> None:
        if instance_hex in self.moving:
            self._move_cancelled(instance_hex)

    class MemberMoveCancelled(Entity.Event):
        instance_id: str

    @event(MemberMoveCancelled)
    def _move_cancelled(self, instance_id: str) -> None:
        del self.moving[instance_id]

    def remove(self, instance_hex: str) -> None:
        if instance_hex in self.members or instance_hex in self.moving:
            self._removed(instance_hex)

    class MemberRemoved(Entity.Event):
        instance_id: str

    @event(MemberRemoved)
    def _removed(self, instance_id: str) -> None:
        self.members.pop(instance_id, None)
        self.moving.pop(instance_id, None)

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
