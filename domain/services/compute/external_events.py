"""Recording the events other services post about servers (os-server-external-events), with
Nova's verdict on each: 200 accepted for the server's host, 404 no such server, 422 a server
with no host yet (nothing to tell), 400 an event that needs a tag and has none."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.compute.external_events import ExternalEvent, ExternalEvents
from domain.compute.instance import Instance
from domain.context import RequestContext

# Nova's TAG_REQUIRED: the tag says which volume, which power state, which request.
TAG_REQUIRED = ("volume-extended", "power-update", "accelerator-request-bound")


@dataclass(frozen=True)
class Posted:
    server_id: UUID
    name: str
    status: str
    tag: str | None


@dataclass(frozen=True)
class Verdict:
    code: int
    status: str  # "completed" when accepted, else "failed"


class ExternalEventService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def record(self, ctx: RequestContext, posted: list[Posted]) -> list[Verdict]:
        """One verdict per posted event, in order; the accepted ones saved in one batch."""
        verdicts, accepted = [], []
        for item in posted:
            instance = self.app.find(item.server_id)
            if not isinstance(instance, Instance) or instance.deleted:
                verdicts.append(Verdict(404, "failed"))
            elif item.name in TAG_REQUIRED and item.tag is None:
                verdicts.append(Verdict(400, "failed"))
            elif instance.host is None:
                verdicts.append(Verdict(422, "failed"))
            else:
                verdicts.append(Verdict(200, "completed"))
                accepted.append(ExternalEvent(server_id=item.server_id.hex, name=item.name,
                                              status=item.status, tag=item.tag,
                                              host=instance.host))
        if accepted:
            self.app.save(ExternalEvents(accepted))
        return verdicts

    @command
    def handled(self, ctx: RequestContext, events_id: UUID, index: int, outcome: str) -> None:
        """A host's outcome of acting on one of the events (domain/process/compute/
        volume_resize.py)."""
        found = self.app.find(events_id)
        if isinstance(found, ExternalEvents):
            found.handled(index, outcome)
            self.app.save(*changed(found))


def volume_extended(app: SkyLedger, server_id: str | None,
                    volume_id: UUID) -> ExternalEvents | None:
    """What Cinder posts to Nova when an attached volume has grown, for the server's host to
    resize the guest's disk; None when no server of this cloud has it (an attachment recorded
    for another attacher: os-attach) or the server has no host to tell (as Nova's 422)."""
    instance = app.find(UUID(server_id)) if server_id else None
    if not isinstance(instance, Instance) or instance.deleted or instance.host is None:
        return None
    return ExternalEvents([ExternalEvent(server_id=instance.id.hex, name="volume-extended",
                                         status="completed", tag=str(volume_id),
                                         host=instance.host)])
