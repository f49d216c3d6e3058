"""What other services told the compute API about its servers (Nova's
os-server-external-events): one `ExternalEvents` per request, holding the events it accepted.

In Nova these are how Neutron and Cinder reach a compute host (a VIF is plugged, a volume grew,
Ironic saw the power change). Here the network and storage sides are this same event store,
and the compute hosts follow most of their events directly (domain/process/compute/); an
event posted here is recorded, with the host it was meant for, for the audit trail ("did
Neutron tell us?"). One is acted on: `volume-extended` (tag: the volume), which the storage
side records itself when an attached volume has grown (an in-use extend, Cinder 3.42): the
server's host resizes the guest's disk and records the outcome here (`handled`)."""

from __future__ import annotations

from typing import TypedDict
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.base import Entity


class ExternalEvent(TypedDict):
    server_id: str  # hex
    name: str
    status: str
    tag: str | None
    host: str


class ExternalEvents(Entity):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    class Received(Entity.Created):
        events: list[ExternalEvent]

    @event(Received)
    def __init__(self, events: list[ExternalEvent]) -> None:
        self.events = list(events)
        # The position of an event acted on -> "completed", or why not.
        self.outcomes: dict[str, str] = {}

    def handled(self, index: int, outcome: str) -> None:
        """What the event's host did about event `index`; recorded once."""
        if str(index) not in self.outcomes:
            self._handled(index, outcome)

    class Handled(Entity.Event):
        index: int
        outcome: str

    @event(Handled)
    def _handled(self, index: int, outcome: str) -> None:
        self.outcomes = {**self.outcomes, str(index): outcome}
