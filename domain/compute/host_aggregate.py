"""A host aggregate (Nova's `os-aggregates`): a named set of compute hosts with metadata.

The `availability_zone` key of the metadata is the zone of every host in the aggregate, as in
Nova: the scheduler's capacity view (projections/capacity.py) reads these events to place hosts
in zones and to match flavors' `aggregate_instance_extra_specs:` against the metadata. A host
may be in several aggregates, but in one zone only: that rule spans aggregates, so it is kept
by each host's `HostZones` ledger (domain/compute/host_zones.py), saved with the aggregate.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import AlreadyExists, InvalidInput, NotFound

ZONE_KEY = "availability_zone"


class HostAggregate(Entity):
    class Created(Entity.Created):
        name: str
        availability_zone: str | None

    @event(Created)
    def __init__(self, name: str, availability_zone: str | None) -> None:
        self.name = name
        self.metadata: dict[str, str] = {ZONE_KEY: availability_zone} if availability_zone else {}
        self.hosts: list[str] = []
        self.deleted = False

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get(ZONE_KEY)

    class Renamed(Entity.Event):
        name: str

    @event(Renamed)
    def rename(self, name: str) -> None:
        self.name = name

    def set_metadata(self, changes: dict[str, str | None]) -> None:
        """Set keys to values; a None value deletes the key (a missing key is no error)."""
        effective = {k: v for k, v in changes.items() if self.metadata.get(k) != v}
        if effective:
            self._metadata_set(effective)

    class MetadataSet(Entity.Event):
        changes: dict[str, Any]  # key -> new value, None: deleted

    @event(MetadataSet)
    def _metadata_set(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is None:
                self.metadata.pop(key, None)
            else:
                self.metadata[key] = value

    def add_host(self, host: str) -> None:
        if host in self.hosts:
            raise AlreadyExists(f"Aggregate {self.name} already has host {host}.")
        self._host_added(host)

    class HostAdded(Entity.Event):
        host: str

    @event(HostAdded)
    def _host_added(self, host: str) -> None:
        self.hosts.append(host)

    def remove_host(self, host: str) -> None:
        if host not in self.hosts:
            raise NotFound(f"Cannot remove host {host} in aggregate {self.name}: not found.")
        self._host_removed(host)

    class HostRemoved(Entity.Event):
        host: str

    @event(HostRemoved)
    def _host_removed(self, host: str) -> None:
        self.hosts.remove(host)

    def cache_images(self, image_ids: list[str]) -> None:
        """Nova 2.81: ask the aggregate's compute hosts to pre-cache these images (each host's
        worker acts on the event; nothing about the aggregate changes)."""
        if len(set(image_ids)) != len(image_ids):
            raise InvalidInput("Duplicate images in request")
        self._images_cache_requested(image_ids, list(self.hosts))

    class ImagesCacheRequested(Entity.Event):
        image_ids: list[str]
        hosts: list[str]

    @event(ImagesCacheRequested)
    def _images_cache_requested(self, image_ids: list[str], hosts: list[str]) -> None:
        pass

    def delete(self) -> None:
        if self.hosts:
            raise InvalidInput(f"Cannot delete aggregate {self.name}: it still has hosts "
                               f"{', '.join(self.hosts)}.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
