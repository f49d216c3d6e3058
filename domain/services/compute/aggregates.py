"""Host aggregate commands (`/os-aggregates`, admin only by policy).

Names are unique (a NameClaim saved with the aggregate). Adding a host, removing it and changing
an aggregate's zone save the aggregate with the ledgers of the hosts concerned (HostZones), so
no host ever ends up in two availability zones, however the changes race.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.compute.host_aggregate import ZONE_KEY, HostAggregate
from domain.compute.host_zones import HostZones, ZoneConflict, host_zones_id
from domain.compute.node import ComputeNode, node_id
from domain.context import RequestContext
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.naming_service import claim_name, release_name

KIND = "aggregate"


class AggregateService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def get(self, aggregate_id: UUID) -> HostAggregate:
        return self.app.get(aggregate_id, HostAggregate, "Aggregate")

    def _claim(self, name: str, owner: UUID) -> Any:
        try:
            return claim_name(self.app, KIND, "", name, owner)
        except AlreadyExists:
            raise AlreadyExists(f"Aggregate {name} already exists.") from None

    def _zones(self, host: str) -> HostZones:
        return self.app.find(host_zones_id(host)) or HostZones(host)

    @command
    def create(self, ctx: RequestContext, name: str, zone: str | None) -> HostAggregate:
        aggregate = HostAggregate(name, zone)
        self.app.save(aggregate, self._claim(name, aggregate.id))
        return aggregate

    @command
    def update(self, ctx: RequestContext, aggregate_id: UUID, name: str | None,
               zone: str | None, zone_given: bool) -> HostAggregate:
        """Rename and/or change the zone (`zone_given` with None clears it)."""
        aggregate = self.get(aggregate_id)
        changed: list[Any] = [aggregate]
        if name is not None and name != aggregate.name:
            changed += [self._claim(name, aggregate.id),
                        release_name(self.app, KIND, "", aggregate.name, aggregate.id)]
            aggregate.rename(name)
        if zone_given:
            changed += self._set_metadata(aggregate, {ZONE_KEY: zone})
        self.app.save(*[a for a in changed if a is not None])
        return aggregate

    @command
    def set_metadata(self, ctx: RequestContext, aggregate_id: UUID,
                     changes: dict[str, str | None]) -> HostAggregate:
        aggregate = self.get(aggregate_id)
        self.app.save(aggregate, *self._set_metadata(aggregate, changes))
        return aggregate

    def _set_metadata(self, aggregate: HostAggregate,
                      changes: dict[str, str | None]) -> list[HostZones]:
        """Change the metadata; a changed zone moves every host of the aggregate (refused, 400
        as in Nova, when one of them is in another zone through another aggregate)."""
        ledgers = []
        if ZONE_KEY in changes and changes[ZONE_KEY] != aggregate.availability_zone:
            for host in aggregate.hosts:
                ledger = self._zones(host)
                try:
                    ledger.rezone(aggregate.id.hex, changes[ZONE_KEY])
                except ZoneConflict as conflict:
                    raise InvalidInput(str(conflict)) from None
                ledgers.append(ledger)
        aggregate.set_metadata(changes)
        return ledgers

    @command
    def add_host(self, ctx: RequestContext, aggregate_id: UUID, host: str) -> HostAggregate:
        aggregate = self.get(aggregate_id)
        if not isinstance(self.app.find(node_id(host)), ComputeNode):
            raise NotFound(f"Compute host {host} could not be found.")
        ledger = self._zones(host)
        aggregate.add_host(host)
        ledger.join(aggregate.id.hex, aggregate.availability_zone)
        self.app.save(aggregate, ledger)
        return aggregate

    @command
    def remove_host(self, ctx: RequestContext, aggregate_id: UUID, host: str) -> HostAggregate:
        aggregate = self.get(aggregate_id)
        ledger = self._zones(host)
        aggregate.remove_host(host)
        ledger.leave(aggregate.id.hex)
        self.app.save(aggregate, ledger)
        return aggregate

    @command
    def cache_images(self, ctx: RequestContext, aggregate_id: UUID,
                     image_ids: list[str]) -> None:
        aggregate = self.get(aggregate_id)
        aggregate.cache_images(image_ids)
        self.app.save(aggregate)

    @command
    def delete(self, ctx: RequestContext, aggregate_id: UUID) -> None:
        aggregate = self.get(aggregate_id)
        aggregate.delete()
        self.app.save(aggregate, release_name(self.app, KIND, "", aggregate.name, aggregate.id))
