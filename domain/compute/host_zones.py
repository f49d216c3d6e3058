"""A host's zones: which aggregates it is in and the zone each gives it.

Nova refuses to put a host in two availability zones. The aggregates that would disagree are
different aggregates, so the rule lives on one ledger per host, saved in the same transaction as
the aggregate that adds the host or changes its zone: two concurrent changes that would together
give a host two zones conflict on this ledger's version, and the second is retried and refused.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidState


class ZoneConflict(InvalidState):
    """The host would be in two availability zones."""


def host_zones_id(host: str) -> UUID:
    return natural_id("host-zones", host)


class HostZones(Entity):
    @staticmethod
    def create_id(host: str) -> UUID:
        return host_zones_id(host)

    class Opened(Entity.Created):
        host: str

    @event(Opened)
    def __init__(self, host: str) -> None:
        self.host = host
        self.zones: dict[str, str | None] = {}  # aggregate id (hex) -> its zone (None: none)

    def check_zone(self, aggregate_id: str, zone: str | None) -> None:
        """Refuse a zone that another of the host's aggregates contradicts."""
        others = {z for a, z in self.zones.items() if a != aggregate_id and z is not None}
        if zone is not None and others and others != {zone}:
            raise ZoneConflict(f"Host {self.host} is already in availability zone "
                               f"{sorted(others)[0]}; it cannot also be in {zone}.")

    def join(self, aggregate_id: str, zone: str | None) -> None:
        self.check_zone(aggregate_id, zone)
        self._joined(aggregate_id, zone)

    class Joined(Entity.Event):
        aggregate_id: str
        zone: str | None

    @event(Joined)
    def _joined(self, aggregate_id: str, zone: str | None) -> None:
        self.zones[aggregate_id] = zone

    def leave(self, aggregate_id: str) -> None:
        if aggregate_id in self.zones:
            self._left(aggregate_id)

    class Left(Entity.Event):
        aggregate_id: str

    @event(Left)
    def _left(self, aggregate_id: str) -> None:
        del self.zones[aggregate_id]

    def rezone(self, aggregate_id: str, zone: str | None) -> None:
        """One of the host's aggregates changes its zone."""
        self.check_zone(aggregate_id, zone)
        if self.zones.get(aggregate_id) != zone:
            self._joined(aggregate_id, zone)
