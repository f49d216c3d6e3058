"""Which networks an admin scheduled to one host's DHCP agent: the host's ledger of networks.

A host's agent serves DHCP for the networks with ports of its instances (plans.desired); an
admin may schedule more networks to it (Neutron's dhcp_agent_scheduler), and the agent then
holds their bridge and dnsmasq too. The ledger is the agent's word on what was scheduled to it,
read from the write side, never from a read model; one ledger per host keeps a network from
being scheduled twice to one agent.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id


def dhcp_hosting_id(host: str) -> UUID:
    return natural_id("dhcp-hosting", host)


class DhcpHosting(Entity):
    @staticmethod
    def create_id(host: str) -> UUID:
        return dhcp_hosting_id(host)

    class Opened(Entity.Created):
        host: str

    @event(Opened)
    def __init__(self, host: str) -> None:
        self.host = host
        self.networks: set[str] = set()  # network ids (hex)

    class Scheduled(Entity.Event):
        network_id: str

    @event(Scheduled)
    def schedule(self, network_id: str) -> None:
        self.networks.add(network_id)

    class Unscheduled(Entity.Event):
        network_id: str

    @event(Unscheduled)
    def unschedule(self, network_id: str) -> None:
        self.networks.discard(network_id)
