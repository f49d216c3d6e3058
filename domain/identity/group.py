"""Groups (Keystone v3): roles given to a group hold for each of its members. Membership is
recorded on the User (`User.AddedToGroup`), so a token's roles are found from the user."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.identity.changes import Updatable
from domain.identity.role import upcast_role_field

UPDATABLE = ("name", "description", "extra")
SYSTEM_SCOPE = "system"


def domain_target(domain_id: str) -> str:
    """How a role on a domain is keyed among a user's or group's assignments (beside project
    ids and SYSTEM_SCOPE)."""
    return f"domain:{domain_id}"


class Group(Updatable):
    updatable = UPDATABLE

    class Created(Entity.Created):
        name: str
        domain_id: str
        description: str
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, name: str, domain_id: str, description: str,
                 extra: dict[str, Any] | None = None) -> None:
        self.name = name
        self.domain_id = domain_id
        self.description = description
        self.extra = dict(extra or {})
        self.deleted = False
        # target ("system" or a project id hex) -> role ids (hex)
        self.assignments: dict[str, list[str]] = {}

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _record_update(self, changes: dict[str, Any]) -> None:
        self._apply(changes)

    def grant(self, target: str, role: str) -> None:
        if role not in self.assignments.get(target, []):
            self._record_grant(target, role)

    class RoleGranted(Entity.Event):
        # v1 events named the role; v2 ones give its id (domain/identity/role.py).
        class_version = 2
        target: str
        role: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state)

    @event(RoleGranted)
    def _record_grant(self, target: str, role: str) -> None:
        self.assignments.setdefault(target, []).append(role)

    def revoke(self, target: str, role: str) -> bool:
        if role in self.assignments.get(target, []):
            self._record_revoke(target, role)
            return True
        return False

    class RoleRevoked(Entity.Event):
        # v1 events named the role; v2 ones give its id (domain/identity/role.py).
        class_version = 2
        target: str
        role: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state)

    @event(RoleRevoked)
    def _record_revoke(self, target: str, role: str) -> None:
        self.assignments[target].remove(role)
        if not self.assignments[target]:
            del self.assignments[target]

    def roles_on(self, target: str) -> list[str]:
        return [] if self.deleted else list(self.assignments.get(target, []))

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
