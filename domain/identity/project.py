"""Projects (Keystone v3): the tenancy boundary every other resource belongs to."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.identity.changes import DEFAULT_DOMAIN_ID, Updatable

__all__ = ["DEFAULT_DOMAIN_ID", "Project"]

UPDATABLE = ("name", "description", "enabled", "tags", "extra")


class Project(Updatable):
    updatable = UPDATABLE

    class Created(Entity.Created):
        name: str
        domain_id: str
        description: str
        enabled: bool
        tags: list[str] | None
        extra: dict[str, Any] | None
        parent_id: str | None

    @event(Created)
    def __init__(self, name: str, domain_id: str, description: str, enabled: bool,
                 tags: list[str] | None = None, extra: dict[str, Any] | None = None,
                 parent_id: str | None = None) -> None:
        self.name = name
        self.domain_id = domain_id
        self.description = description
        self.enabled = enabled
        self.tags = list(tags or [])
        # Keystone keeps attributes it does not know in `extra` and returns them as given.
        self.extra = dict(extra or {})
        # The parent project (id hex) in Keystone's hierarchy; None directly under the domain.
        self.parent_id = parent_id
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
