"""Projects (Keystone v3): the tenancy boundary every other resource belongs to."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity

DEFAULT_DOMAIN_ID = "default"


class Project(Entity):
    @event("Created")
    def __init__(self, name: str, domain_id: str, description: str, enabled: bool) -> None:
        self.name = name
        self.domain_id = domain_id
        self.description = description
        self.enabled = enabled
        self.deleted = False

    @event("Updated")
    def update(self, changes: dict[str, object]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    @event("Deleted")
    def delete(self) -> None:
        self.deleted = True
