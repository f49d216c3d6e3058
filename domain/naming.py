"""Unique names, claimed atomically: a `NameClaim` aggregate per (kind, scope, name).

Saving a new claim together with the resource turns a duplicate name into a version conflict
inside the same transaction, so two concurrent creates can never both win.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id


def claim_id(kind: str, scope: str, name: str) -> UUID:
    return natural_id("name", kind, scope, name)


class NameClaim(Entity):
    @staticmethod
    def create_id(kind: str, scope: str, name: str) -> UUID:
        return claim_id(kind, scope, name)

    class Claimed(Entity.Created):
        kind: str
        scope: str
        name: str
        owner_id: UUID

    @event(Claimed)
    def __init__(self, kind: str, scope: str, name: str, owner_id: UUID) -> None:
        self.kind, self.scope, self.name = kind, scope, name
        self.owner_id: UUID | None = owner_id

    @property
    def is_held(self) -> bool:
        return self.owner_id is not None

    class Reclaimed(Entity.Event):
        owner_id: UUID

    @event(Reclaimed)
    def reclaim(self, owner_id: UUID) -> None:
        self.owner_id = owner_id

    class Released(Entity.Event):
        pass

    @event(Released)
    def release(self) -> None:
        self.owner_id = None
