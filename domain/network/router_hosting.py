"""Which routers one host's network agent runs: the host's ledger of routers.

Scheduling a router saves the router (`Scheduled`) and this ledger together, so two agents
racing for an unplaced router conflict on its version and one of them places it; the agent then
plans the routers of its host from this ledger alone, never from a read model.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id


def hosting_id(host: str) -> UUID:
    return natural_id("router-hosting", host)


class RouterHosting(Entity):
    @staticmethod
    def create_id(host: str) -> UUID:
        return hosting_id(host)

    class Opened(Entity.Created):
        host: str

    @event(Opened)
    def __init__(self, host: str) -> None:
        self.host = host
        self.routers: set[str] = set()  # router ids (hex)

    def host_router(self, router_id: str) -> None:
        if router_id not in self.routers:
            self._hosted(router_id)

    class Hosted(Entity.Event):
        router_id: str

    @event(Hosted)
    def _hosted(self, router_id: str) -> None:
        self.routers.add(router_id)

    def release(self, router_id: str) -> None:
        if router_id in self.routers:
            self._released(router_id)

    class Released(Entity.Event):
        router_id: str

    @event(Released)
    def _released(self, router_id: str) -> None:
        self.routers.discard(router_id)
