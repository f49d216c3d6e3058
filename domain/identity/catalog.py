"""The service catalog as data (Keystone v3): regions, services and their endpoints.

Ids are chosen by the command (`create_id` takes them), so the entries the bootstrap seeds keep
the ids tokens have always carried, and a region keeps the name an operator gave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.identity.changes import Updatable

INTERFACES = ("public", "internal", "admin")


def region_key(region_id: str) -> UUID:
    return natural_id("region", region_id)


class CatalogEntry(Updatable):
    """What the three kinds share: attribute updates (Updatable) and deletion. Each kind declares
    its own `Updated` and `Deleted` events (an event declared here would carry this class's
    topic)."""

    if TYPE_CHECKING:  # set by each kind's __init__ (not a dataclass field of the aggregate)
        extra: dict[str, Any]
        deleted: bool

    def delete(self) -> None:
        raise NotImplementedError


class Region(CatalogEntry):
    updatable = ("description", "parent_region_id", "extra")

    @staticmethod
    def create_id(region_id: str, description: str, parent_region_id: str | None,
                  extra: dict[str, Any] | None = None) -> UUID:
        return region_key(region_id)

    class Created(Entity.Created):
        region_id: str
        description: str
        parent_region_id: str | None
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, region_id: str, description: str, parent_region_id: str | None,
                 extra: dict[str, Any] | None = None) -> None:
        self.region_id = region_id
        self.description = description
        self.parent_region_id = parent_region_id
        self.extra = dict(extra or {})
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


class Service(CatalogEntry):
    updatable = ("type", "name", "description", "enabled", "extra")

    @staticmethod
    def create_id(service_id: str, type: str, name: str, description: str,  # noqa: A002
                  enabled: bool, extra: dict[str, Any] | None = None) -> UUID:
        return UUID(service_id)

    class Created(Entity.Created):
        service_id: str
        type: str
        name: str
        description: str
        enabled: bool
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, service_id: str, type: str, name: str, description: str,  # noqa: A002
                 enabled: bool, extra: dict[str, Any] | None = None) -> None:
        self.type = type
        self.name = name
        self.description = description
        self.enabled = enabled
        self.extra = dict(extra or {})
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


class Endpoint(CatalogEntry):
    updatable = ("service_id", "interface", "url", "region_id", "enabled", "extra")

    @staticmethod
    def create_id(endpoint_id: str, service_id: str, interface: str, url: str,
                  region_id: str | None, enabled: bool,
                  extra: dict[str, Any] | None = None) -> UUID:
        return UUID(endpoint_id)

    class Created(Entity.Created):
        endpoint_id: str
        service_id: str
        interface: str
        url: str
        region_id: str | None
        enabled: bool
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, endpoint_id: str, service_id: str, interface: str, url: str,
                 region_id: str | None, enabled: bool,
                 extra: dict[str, Any] | None = None) -> None:
        self.service_id = service_id
        self.interface = interface
        self.url = url
        self.region_id = region_id
        self.enabled = enabled
        self.extra = dict(extra or {})
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
