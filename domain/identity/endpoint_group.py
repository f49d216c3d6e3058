"""Keystone's OS-EP-FILTER endpoint groups: a named filter (service, region, interface,
enabled) over the catalog's endpoints, for projects to be given the endpoints it selects."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.identity.changes import Updatable

UPDATABLE = ("name", "description", "filters")


class EndpointGroup(Updatable):
    updatable = UPDATABLE
    noun = "endpoint group"

    class Created(Entity.Created):
        name: str
        description: str | None
        filters: dict[str, Any]

    @event(Created)
    def __init__(self, name: str, description: str | None, filters: dict[str, Any]) -> None:
        self.name = name
        self.description = description
        self.filters = dict(filters)
        self.deleted = False

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _record_update(self, changes: dict[str, Any]) -> None:
        self._apply(changes)

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
