"""Nova's _reclaim_queued_deletes: a SOFT_DELETED server is deleted for real once
reclaim_instance_interval has passed since its soft delete finished.

A process manager over the event log, run by each compute worker for its own host's servers
(as each Nova compute reclaims its own). It follows the soft deletes (`Instance.ActionSucceeded`
of soft_delete) and what ends their wait (a restore asked, a delete); its schedule and position
live in memory, so after a restart it reads the log again and finds every server still waiting.
Reclaiming is a command that acts only on an instance unchanged since its soft delete
(services/compute/reclaim.py): a replay, a crash between the command and the next pass, or two
reclaimers never delete twice, and the worker's usual delete does the rest (guest destroyed,
claims released). "Now" and the interval are inputs, so a test drives the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.base import Entity
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.log_follower import read_to_head
from domain.services.compute.reclaim import ReclaimService

TOPICS: tuple[str, ...] = tuple(get_topic(cls) for cls in (
    Instance.ActionSucceeded, Instance.ActionRequested, Instance.DeleteRequested,
    Instance.Deleted))
BATCH = 500


@dataclass(frozen=True)
class Waiting:
    since: datetime  # when the soft delete finished
    version: int  # the instance's version then


def due(waiting: dict[UUID, Waiting], now: datetime, interval: timedelta) -> list[UUID]:
    """The servers whose interval is over at `now`, longest waiting first."""
    return sorted((i for i, w in waiting.items() if w.since + interval <= now),
                  key=lambda i: (waiting[i].since, str(i)))


class Reclaimer:
    def __init__(self, app: SkyLedger, host: str, interval: float,
                 clock: Callable[[], datetime], user_id: str) -> None:
        self.app, self.host, self.clock, self.user_id = app, host, clock, user_id
        self.interval = timedelta(seconds=interval)
        self.service = ReclaimService(app)
        self.position = 0
        self.waiting: dict[UUID, Waiting] = {}

    def run_once(self) -> list[UUID]:
        """Follow the log to its head, then reclaim what is due; returns what it reclaimed."""
        self.follow()
        reclaimed = []
        for instance_id in due(self.waiting, self.clock(), self.interval):
            waiting = self.waiting.pop(instance_id)
            instance = self.app.find(instance_id)
            if isinstance(instance, Instance) and instance.host == self.host and \
                    self.service.reclaim(self.context(), instance_id, waiting.version):
                reclaimed.append(instance_id)
        return reclaimed

    def follow(self) -> None:
        self.position = read_to_head(self.app, self.position, TOPICS, BATCH, self.see)

    def see(self, event: Entity.Event) -> None:
        instance_id = UUID(str(event.originator_id))
        if isinstance(event, Instance.ActionSucceeded) and event.action == "soft_delete":
            self.waiting[instance_id] = Waiting(event.timestamp, event.originator_version)
        elif not isinstance(event, Instance.ActionSucceeded):  # restore, delete: no wait
            self.waiting.pop(instance_id, None)

    def context(self) -> RequestContext:
        return RequestContext(user_id=self.user_id, project_id=None,
                              request_id=f"req-reclaim-{self.host}")
