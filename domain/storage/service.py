"""A storage host's volume service (Cinder's cinder-volume): its backend (the libvirt pool that
holds its volumes), zone and capacity, registered by its volume worker and kept alive by a
`Beat` per report interval; an administrator may disable it (no new volumes go there).

Kept apart from the volumes, so that beats never conflict with volume requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id

BINARY = "cinder-volume"


def storage_service_id(host: str) -> UUID:
    return natural_id("storage-service", host)


class StorageService(Entity):
    @staticmethod
    def create_id(host: str, **_: object) -> UUID:
        return storage_service_id(host)

    class Registered(Entity.Created):
        host: str
        backend: str
        availability_zone: str
        total_gb: float
        free_gb: float

    @event(Registered)
    def __init__(self, host: str, backend: str, availability_zone: str, total_gb: float,
                 free_gb: float) -> None:
        self.host, self.backend, self.availability_zone = host, backend, availability_zone
        self.total_gb, self.free_gb = total_gb, free_gb
        self.enabled = True
        self.disabled_reason: str | None = None

    class Reregistered(Entity.Event):
        backend: str
        availability_zone: str

    @event(Reregistered)
    def reregister(self, backend: str, availability_zone: str) -> None:
        self.backend, self.availability_zone = backend, availability_zone

    class Beat(Entity.Event):
        total_gb: float
        free_gb: float

    @event(Beat)
    def beat(self, total_gb: float, free_gb: float) -> None:
        self.total_gb, self.free_gb = total_gb, free_gb

    class Disabled(Entity.Event):
        reason: str | None

    @event(Disabled)
    def disable(self, reason: str | None) -> None:
        self.enabled, self.disabled_reason = False, reason

    class Enabled(Entity.Event):
        pass

    @event(Enabled)
    def enable(self) -> None:
        self.enabled, self.disabled_reason = True, None


@dataclass(frozen=True)
class ServiceLiveness:
    """Up while the last beat is at most `down_after` seconds old (Cinder's service_down_time)."""

    down_after: float = 60.0
    clock: Callable[[], float] = time.time

    def is_up(self, last_beat: datetime | None) -> bool:
        return last_beat is not None and self.clock() - last_beat.timestamp() <= self.down_after
