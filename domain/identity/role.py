"""Roles. admin implies member implies reader, as in Keystone's default implied-role chain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id

BUILTIN_ROLES = ("admin", "member", "reader")
# Each role's direct implications (Keystone's `/roles/{prior}/implies`) ...
DIRECTLY_IMPLIES = {"admin": ("member",), "member": ("reader",), "reader": ()}
# ... and their transitive closure, which is what a token's effective roles are built from.
IMPLIED = {"admin": ("member", "reader"), "member": ("reader",), "reader": ()}


def role_id(name: str) -> UUID:
    return natural_id("role", name)


def effective_roles(names: set[str] | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The assigned role names plus everything they imply, in a stable order."""
    out = set(names)
    for name in names:
        out.update(IMPLIED.get(name, ()))
    return tuple(sorted(out))


def implied_with_prior(name: str, direct: Mapping[str, Sequence[str]] = DIRECTLY_IMPLIES
                       ) -> list[tuple[str, str]]:
    """(implied role, the role that directly implies it) for everything `name` implies, by the
    `direct` implications (the built-in chain unless told the inferences added since)."""
    found: list[tuple[str, str]] = []
    frontier = [name]
    while frontier:
        prior = frontier.pop(0)
        for implied in direct.get(prior, ()):
            if implied != name and implied not in (f for f, _ in found):
                found.append((implied, prior))
                frontier.append(implied)
    return found


class Role(Entity):
    @staticmethod
    def create_id(name: str) -> UUID:
        return role_id(name)

    class Created(Entity.Created):
        name: str
        description: str | None
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, name: str, description: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.name = name
        self.description = description
        self.extra = dict(extra or {})
        self.deleted = False
        # Roles this one implies beyond the built-in chain (`PUT /roles/{id}/implies/{id}`).
        self.implies: list[str] = []

    def imply(self, implied: str) -> None:
        if implied not in self.implies and implied not in DIRECTLY_IMPLIES.get(self.name, ()):
            self._record_imply(implied)

    class Implied(Entity.Event):
        implied: str

    @event(Implied)
    def _record_imply(self, implied: str) -> None:
        self.implies.append(implied)

    def stop_implying(self, implied: str) -> bool:
        if implied in self.implies:
            self._record_stop(implied)
            return True
        return False

    class ImplicationRemoved(Entity.Event):
        implied: str

    @event(ImplicationRemoved)
    def _record_stop(self, implied: str) -> None:
        self.implies.remove(implied)

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
