"""Group types (Cinder's generic volume group types, 3.11): what a volume group is made as, with
its group specs; public or not. Names are unique in the cloud while the type lives (a NameClaim
saved with it, as volume types' are)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import NotFound

UPDATABLE = ("name", "description", "is_public")


class GroupType(Entity):
    class Created(Entity.Created):
        name: str
        description: str | None
        is_public: bool
        group_specs: dict[str, str]

    @event(Created)
    def __init__(self, name: str, description: str | None, is_public: bool,
                 group_specs: dict[str, str]) -> None:
        self.name, self.description, self.is_public = name, description, is_public
        self.group_specs = dict(group_specs)
        self.deleted = False

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def update(self, changes: dict[str, Any]) -> None:
        for key in UPDATABLE:
            if key in changes:
                setattr(self, key, changes[key])

    class SpecsSet(Entity.Event):
        specs: dict[str, str]

    @event(SpecsSet)
    def set_specs(self, specs: dict[str, str]) -> None:
        self.group_specs = {**self.group_specs, **specs}

    def unset_spec(self, key: str) -> None:
        if key not in self.group_specs:
            raise NotFound(f"Group Type {self.id} has no specs with key {key}.")
        self._spec_unset(key)

    class SpecUnset(Entity.Event):
        key: str

    @event(SpecUnset)
    def _spec_unset(self, key: str) -> None:
        self.group_specs = {k: v for k, v in self.group_specs.items() if k != key}

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
