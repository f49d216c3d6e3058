"""Recording the events other services post about servers (os-server-external-events), with
Nova's verdict on each: 200 accepted for the server's host, 404 no such server, 422 a server
with no host yet (nothing to tell), 400 an event that needs a tag and has none."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
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
