"""A compute service's liveness: one `Beat` per report interval.

Kept apart from the node's capacity ledger so that heartbeats never conflict with claims.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id


def heartbeat_id(host: str) -> UUID:
    return natural_id("compute-heartbeat", host)


class ComputeHeartbeat(Entity):
    @staticmethod
    def create_id(host: str) -> UUID:
        return heartbeat_id(host)

    class Started(Entity.Created):
        host: str

    @event(Started)
    def __init__(self, host: str) -> None:
        self.host = host
        self.beats = 0

    class Beat(Entity.Event):
        pass

    @event(Beat)
    def beat(self) -> None:
        self.beats += 1


@dataclass(frozen=True)
class Liveness:
    """When a host counts as up: its last heartbeat is at most `down_after` seconds old (the
    scheduler's ComputeFilter asks the same of its capacity view)."""

    down_after: float = 60.0
    clock: Callable[[], float] = time.time

    def is_up(self, heartbeat: ComputeHeartbeat | None) -> bool:
        if heartbeat is None:
            return False  # never registered
        return self.clock() - heartbeat.modified_on.timestamp() <= self.down_after
