"""Roles. admin implies member implies reader, as in Keystone's default implied-role chain.

A role's id is independent of its name, so a role can be renamed and its assignments, trusts
and application credentials (which name roles by id) keep holding it. Names are unique per
domain (`NameClaim("role", domain or "global", name)`). The three built-in roles, and every
role made before ids stopped following names, have the id `role_id(name)`: that is how events
stored before then (which named roles, not ids) are upcast to ids.

A role may belong to a domain (Keystone's domain-specific roles): it is granted like any role
but is never in a token; only the global roles it implies are.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.identity.changes import Updatable

BUILTIN_ROLES = ("admin", "member", "reader")
UPDATABLE = ("name", "description", "extra")


def role_id(name: str) -> UUID:
    """The id of a built-in role, or of a role made before ids stopped following names."""
    return natural_id("role", name)


def legacy_role_ref(name: str) -> str:
    """What an event stored before role ids meant by a role name: that role's id (hex)."""
    return role_id(name).hex


def upcast_role_field(state: dict[str, Any], field: str = "role") -> None:
    state[field] = legacy_role_ref(state[field])


def upcast_role_list(state: dict[str, Any], field: str = "roles") -> None:
    state[field] = [legacy_role_ref(name) for name in state[field]]


BUILTIN_IDS = {name: role_id(name).hex for name in BUILTIN_ROLES}
# Each built-in role's direct implications by id (Keystone's `/roles/{prior}/implies`) ...
DIRECTLY_IMPLIES: dict[str, tuple[str, ...]] = {
    BUILTIN_IDS["admin"]: (BUILTIN_IDS["member"],),
    BUILTIN_IDS["member"]: (BUILTIN_IDS["reader"],), BUILTIN_IDS["reader"]: ()}


def implied_with_prior(ref: str, direct: Mapping[str, Sequence[str]] = DIRECTLY_IMPLIES
                       ) -> list[tuple[str, str]]:
    """(implied role, the role that directly implies it) for everything the role `ref`
    implies, by the `direct` implications (role ids; the built-in chain unless told more)."""
    found: list[tuple[str, str]] = []
    frontier = [ref]
    while frontier:
        prior = frontier.pop(0)
        for implied in direct.get(prior, ()):
            if implied != ref and implied not in (f for f, _ in found):
                found.append((implied, prior))
                frontier.append(implied)
    return found


class Role(Updatable):
    updatable = UPDATABLE

    @staticmethod
    def create_id(name: str, domain_id: str | None = None, **_: object) -> UUID:
        # Built-ins keep the ids every deployment and stored event knows them by.
        return role_id(name) if name in BUILTIN_ROLES and domain_id is None else uuid.uuid4()

    class Created(Entity.Created):
        # v1 events were stored before domain-specific roles: every role was global.
        class_version = 2
        name: str
        description: str | None
        extra: dict[str, Any] | None
        domain_id: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["domain_id"] = None

    @event(Created)
    def __init__(self, name: str, description: str | None = None,
                 extra: dict[str, Any] | None = None, domain_id: str | None = None) -> None:
        self.name = name
        self.description = description
        self.extra = dict(extra or {})
        self.domain_id = domain_id
        self.deleted = False
        # Roles (ids) this one implies beyond the built-in chain (`PUT /roles/{id}/implies/{id}`).
        self.implies: list[str] = []

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _record_update(self, changes: dict[str, Any]) -> None:
        self._apply(changes)

    def imply(self, implied: str) -> None:
        if implied not in self.implies and implied not in DIRECTLY_IMPLIES.get(self.id.hex, ()):
            self._record_imply(implied)

    class Implied(Entity.Event):
        # v1 events named the implied role; v2 ones give its id.
        class_version = 2
        implied: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state, "implied")

    @event(Implied)
    def _record_imply(self, implied: str) -> None:
        self.implies.append(implied)

    def stop_implying(self, implied: str) -> bool:
        if implied in self.implies:
            self._record_stop(implied)
            return True
        return False

    class ImplicationRemoved(Entity.Event):
        class_version = 2
        implied: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state, "implied")

    @event(ImplicationRemoved)
    def _record_stop(self, implied: str) -> None:
        self.implies.remove(implied)

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
