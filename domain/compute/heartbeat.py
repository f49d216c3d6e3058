"""A compute service's liveness: one `Beat` per report interval.

Kept apart from the node's capacity ledger so that heartbeats never conflict with claims.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id


def heartbeat_id(host: str) -> UUID:
    return natural_id("compute-heartbeat", host)


class ComputeHeartbeat(Entity):
    @staticmethod
    def create_id(host: str) -> UUID:
        return heartbeat_id(host)

    @event("Started")
    def __init__(self, host: str) -> None:
        self.host = host
        self.beats = 0

    @event("Beat")
    def beat(self) -> None:
        self.beats += 1
