"""A project's networks and which one is its default (the one an instance gets unasked), and
the subnets it holds (Neutron's `subnet` quota).

Saved with every network created or deleted in the project, so two concurrent "first need"
requests cannot both create a default network: the second save conflicts, is rerun, and finds
the first one's network. Saved with every subnet added or removed too, so concurrent subnet
creates can never pass the project's subnet limit.
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
        self.subnets: list[str] = []  # subnet ids (hex) counted on the subnet limit

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

    def add_subnet(self, subnet_id: str, limit: int) -> None:
        """Count a new subnet; QuotaExceeded past `limit` (-1: unlimited)."""
        if subnet_id in self.subnets:
            return
        if 0 <= limit < len(self.subnets) + 1:
            raise QuotaExceeded("subnets", 1, len(self.subnets), limit)
        self._subnet_added(subnet_id)

    class SubnetAdded(Entity.Event):
        subnet_id: str

    @event(SubnetAdded)
    def _subnet_added(self, subnet_id: str) -> None:
        self.subnets.append(subnet_id)

    def remove_subnets(self, subnet_ids: list[str]) -> None:
        """Stop counting these subnets (ones never counted, made before the count, are skipped)."""
        counted = [s for s in subnet_ids if s in self.subnets]
        if counted:
            self._subnets_removed(counted)

    class SubnetsRemoved(Entity.Event):
        subnet_ids: list[str]

    @event(SubnetsRemoved)
    def _subnets_removed(self, subnet_ids: list[str]) -> None:
        self.subnets = [s for s in self.subnets if s not in subnet_ids]
