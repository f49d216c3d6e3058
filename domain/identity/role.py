"""Roles. admin implies member implies reader, as in Keystone's default implied-role chain."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id

BUILTIN_ROLES = ("admin", "member", "reader")
IMPLIED = {"admin": ("member", "reader"), "member": ("reader",), "reader": ()}


def role_id(name: str) -> UUID:
    return natural_id("role", name)


def effective_roles(names: set[str] | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The assigned role names plus everything they imply, in a stable order."""
    out = set(names)
    for name in names:
        out.update(IMPLIED.get(name, ()))
    return tuple(sorted(out))


class Role(Entity):
    @staticmethod
    def create_id(name: str) -> UUID:
        return role_id(name)

    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name
        self.deleted = False

    @event("Deleted")
    def delete(self) -> None:
        self.deleted = True
