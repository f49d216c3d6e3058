"""Domains (Keystone v3): namespaces of users, groups and projects. The `default` domain is built
in (it has no events, as Keystone's bootstrap makes it); every other one is a `Domain`."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import Forbidden
from domain.identity.changes import Updatable

UPDATABLE = ("name", "description", "enabled", "tags", "extra")


class DomainEnabled(Forbidden):
    """Keystone refuses to delete an enabled domain (403): disable it first."""


class Domain(Updatable):
    updatable = UPDATABLE

    class Created(Entity.Created):
        name: str
        description: str
        enabled: bool
        tags: list[str] | None
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, name: str, description: str, enabled: bool,
                 tags: list[str] | None = None, extra: dict[str, Any] | None = None) -> None:
        self.name = name
        self.description = description
        self.enabled = enabled
        self.tags = list(tags or [])
        self.extra = dict(extra or {})
        self.deleted = False

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _record_update(self, changes: dict[str, Any]) -> None:
        self._apply(changes)

    def delete(self) -> None:
        if self.enabled:
            raise DomainEnabled(f"Cannot delete the domain {self.id.hex}: it is enabled; "
                                "disable it first.")
        self._record_delete()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _record_delete(self) -> None:
        self.deleted = True
