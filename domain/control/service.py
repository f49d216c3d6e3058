"""A control service: a job the API process does for the whole cloud, as Nova's nova-scheduler
and nova-conductor and Cinder's cinder-scheduler are services of their own.

Here the API process schedules (filters and weighers over the capacity view, then the claim on
the chosen host's ledger saved with the instance), conducts (the boot and move orchestration of
its command services) and places volumes, so it registers one service per such job on its host
and beats for them while it can read what the scheduler reads. Up or down is the age of the last
beat, as for the workers' services. Kept apart from the compute and storage hosts: nothing is
ever scheduled onto a control service.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id

NOVA_SCHEDULER, NOVA_CONDUCTOR = "nova-scheduler", "nova-conductor"
CINDER_SCHEDULER = "cinder-scheduler"
# Nova's internal_service_availability_zone: where its non-compute services are listed.
INTERNAL_ZONE = "internal"
COMPUTE_CONTROL = (NOVA_SCHEDULER, NOVA_CONDUCTOR)


def control_service_id(host: str, binary: str) -> UUID:
    return natural_id("control-service", host, binary)


class ControlService(Entity):
    @staticmethod
    def create_id(host: str, binary: str, **_: object) -> UUID:
        return control_service_id(host, binary)

    class Registered(Entity.Created):
        host: str
        binary: str
        availability_zone: str

    @event(Registered)
    def __init__(self, host: str, binary: str, availability_zone: str) -> None:
        self.host, self.binary, self.availability_zone = host, binary, availability_zone

    class Rezoned(Entity.Event):
        availability_zone: str

    @event(Rezoned)
    def rezone(self, availability_zone: str) -> None:
        self.availability_zone = availability_zone

    class Beat(Entity.Event):
        pass

    @event(Beat)
    def beat(self) -> None:
        pass

    def beaten_since(self, moment: datetime) -> bool:
        """Whether another process of the same job has beaten at or after `moment`."""
        return self.modified_on >= moment
