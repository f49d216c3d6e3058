"""Which aggregates each host is in, as the scheduler needs it: the host's zone and the
aggregate metadata its flavors' `aggregate_instance_extra_specs:` are matched against.

Pure state, fed the host aggregate events by the capacity view (projections/capacity.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.compute.host_aggregate import ZONE_KEY, HostAggregate


@dataclass
class Membership:
    hosts: set[str] = field(default_factory=set)
    metadata: dict[str, str] = field(default_factory=dict)


class Memberships:
    EVENTS = (HostAggregate.Created, HostAggregate.MetadataSet, HostAggregate.HostAdded,
              HostAggregate.HostRemoved, HostAggregate.Deleted)

    def __init__(self) -> None:
        self.aggregates: dict[Any, Membership] = {}  # aggregate id -> its hosts and metadata

    def apply(self, e: Any) -> set[str]:
        """Follow one aggregate event; the hosts whose zone or metadata it may change."""
        if isinstance(e, HostAggregate.Created):
            zone = {ZONE_KEY: e.availability_zone} if e.availability_zone else {}
            self.aggregates[e.originator_id] = Membership(metadata=zone)
            return set()
        found = self.aggregates.get(e.originator_id)
        if found is None:
            return set()
        if isinstance(e, HostAggregate.HostAdded):
            found.hosts.add(e.host)
            return {e.host}
        if isinstance(e, HostAggregate.HostRemoved):
            found.hosts.discard(e.host)
            return {e.host}
        if isinstance(e, HostAggregate.MetadataSet):
            for key, value in e.changes.items():
                if value is None:
                    found.metadata.pop(key, None)
                else:
                    found.metadata[key] = value
        elif isinstance(e, HostAggregate.Deleted):
            del self.aggregates[e.originator_id]
        return set(found.hosts)

    def zone_of(self, host: str, default: str) -> str:
        """The zone an aggregate gives the host (HostZones keeps them from disagreeing), else
        the one it registered with."""
        for membership in self.aggregates.values():
            if host in membership.hosts and ZONE_KEY in membership.metadata:
                return membership.metadata[ZONE_KEY]
        return default

    def metadata_of(self, host: str) -> dict[str, frozenset[str]]:
        """Every value each key has in the host's aggregates (a host may be in several)."""
        merged: dict[str, set[str]] = {}
        for membership in self.aggregates.values():
            if host in membership.hosts:
                for key, value in membership.metadata.items():
                    merged.setdefault(key, set()).add(value)
        return {key: frozenset(values) for key, values in merged.items()}
