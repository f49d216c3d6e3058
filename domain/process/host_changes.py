"""Changes a process manager made on its host that no outcome event records, as events of
their own.

The compute and volume workers report every requested action back as an outcome on the
aggregate they acted for (Instance.Spawned, Volume.Provisioned), and the side effects they
recorded travel in that event's meta (effects.py). Some work has no such outcome:
- the network agent converges its host to what the events say (a segment and bridge made,
  dnsmasq started, NAT rules replaced) and no aggregate's state changes;
- a compute worker's clean-up after a move (the old guest of a confirmed resize destroyed);
- a reconciler's repair, which is recorded as drift *before* it is made.
When such work changed something, the process manager records `HostChange.Applied` under the
request's id (the triggering request's, or the reconciler pass's) with the changes in its meta,
so `skyledger audit --request-id ID --trace` shows them beside that request's other events. A
look that changed nothing records nothing.

One aggregate per (host, cause): a replay after a crash that finds the change already recorded
records nothing twice.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.app import SkyLedger
from domain.base import Entity, natural_id
from domain.commands import command
from domain.context import RequestContext


def change_id(host: str, cause: str) -> UUID:
    return natural_id("host-change", host, cause)


class HostChange(Entity):
    @staticmethod
    def create_id(host: str, cause: str, **_: Any) -> UUID:
        return change_id(host, cause)

    class Applied(Entity.Created):
        host: str
        cause: str

    @event(Applied)
    def __init__(self, host: str, cause: str) -> None:
        """`cause`: what the work was for: the event the network agent converged for
        ("Instance.HostClaimed <hex id> v3"), the trigger of a compute worker's clean-up
        ("succeeded <instance hex> v7"), or a reconciler's repair ("drift segment <network id>
        <request id>", "stray <instance hex> <request id>")."""
        self.host, self.cause = host, cause


def cause_of(event: Entity.Event) -> str:
    return (f"{type(event).__qualname__} {event.originator_id.hex} "
            f"v{event.originator_version}")


class HostChanges:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def applied(self, ctx: RequestContext, host: str, cause: str) -> None:
        if self.app.find(change_id(host, cause)) is None:
            self.app.save(HostChange(host, cause))
