"""What other services told the compute API about its servers (Nova's
os-server-external-events): one `ExternalEvents` per request, holding the events it accepted.

In Nova these are how Neutron and Cinder reach a compute host (a VIF is plugged, a volume grew,
Ironic saw the power change). Here the network and storage sides are this same event store,
and the compute hosts follow their events directly (domain/process/compute/), so an event
posted here changes no server: it is recorded, with the host it was meant for, for the audit
trail, which is what an operator asks of it ("did Neutron tell us?")."""

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
