"""A project's networks and which one is its default (the one an instance gets unasked).

Saved with every network created or deleted in the project, so two concurrent "first need"
requests cannot both create a default network: the second save conflicts, is rerun, and finds
the first one's network.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import QuotaExceeded


def registry_id(project_id: str) -> UUID:
    return natural_id("project-networks", project_id)


class ProjectNetworks(Entity):
    @staticmethod
    def create_id(project_id: str) -> UUID:
        return registry_id(project_id)

    class Opened(Entity.Created):
        project_id: str

    @event(Opened)
    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self.networks: list[str] = []  # network ids (hex), oldest first
        self.default: str | None = None

    def check_room(self, limit: int) -> None:
        if len(self.networks) + 1 > limit:
            raise QuotaExceeded("networks", 1, len(self.networks), limit)

    def add(self, network_id: str, limit: int) -> None:
        """Record a new network; the project's first becomes its default."""
        if network_id not in self.networks:
            self.check_room(limit)
            self._network_added(network_id)

    class NetworkAdded(Entity.Event):
        network_id: str

    @event(NetworkAdded)
    def _network_added(self, network_id: str) -> None:
        self.networks.append(network_id)
        if self.default is None:
            self.default = network_id

    def remove(self, network_id: str) -> None:
        """Forget a deleted network; the oldest remaining one becomes the default."""
        if network_id in self.networks:
            self._network_removed(network_id)

    class NetworkRemoved(Entity.Event):
        network_id: str

    @event(NetworkRemoved)
    def _network_removed(self, network_id: str) -> None:
        self.networks.remove(network_id)
        if self.default == network_id:
            self.default = self.networks[0] if self.networks else None
