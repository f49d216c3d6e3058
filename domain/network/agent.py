"""A network agent as Neutron's agents API shows it: one record per host and kind of work.

skyledger's network agent (domain/process/network/agent.py) is one process per host doing the
work of three Neutron agents: project segments and their bridges (Neutron's Linux bridge
agent), dnsmasq per network (the DHCP agent) and NAT and routers (the L3 agent). It registers
each of these kinds at start and beats for them every report interval; an operator may
describe one or mark it administratively down (Neutron's PUT /agents/{id}), or delete its
record (it comes back at the agent's next start).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import NotFound


@dataclass(frozen=True)
class AgentKind:
    agent_type: str  # Neutron's name of the kind, as clients filter on it
    binary: str
    topic: str


# What this agent's host does, in the kinds of agents Neutron would run for it.
AGENT_KINDS: tuple[AgentKind, ...] = (
    AgentKind("Linux bridge agent", "neutron-linuxbridge-agent", "N/A"),
    AgentKind("DHCP agent", "neutron-dhcp-agent", "dhcp_agent"),
    AgentKind("L3 agent", "neutron-l3-agent", "l3_agent"),
)


def agent_id(host: str, agent_type: str) -> UUID:
    return natural_id("network-agent", host, agent_type)


class NetworkAgentRecord(Entity):
    @staticmethod
    def create_id(host: str, agent_type: str, binary: str, topic: str,
                  configurations: dict[str, Any]) -> UUID:
        return agent_id(host, agent_type)

    class Registered(Entity.Created):
        host: str
        agent_type: str
        binary: str
        topic: str
        configurations: dict[str, Any]

    @event(Registered)
    def __init__(self, host: str, agent_type: str, binary: str, topic: str,
                 configurations: dict[str, Any]) -> None:
        self.host, self.agent_type, self.binary, self.topic = host, agent_type, binary, topic
        self.configurations = dict(configurations)
        self.description = ""
        self.admin_state_up = True
        self.deleted = False

    def check_live(self) -> None:
        if self.deleted:
            raise NotFound(f"Agent {self.id} could not be found.")

    def restart(self, configurations: dict[str, Any]) -> None:
        """The agent started again (a record deleted meanwhile comes back, as new)."""
        self._restarted(self.host, self.agent_type, self.binary, self.topic,
                        dict(configurations))

    class Restarted(Entity.Event):
        # The whole registration again: a read model that dropped the deleted record
        # makes it anew from this event alone.
        host: str
        agent_type: str
        binary: str
        topic: str
        configurations: dict[str, Any]

    @event(Restarted)
    def _restarted(self, host: str, agent_type: str, binary: str, topic: str,
                   configurations: dict[str, Any]) -> None:
        self.configurations = configurations
        if self.deleted:
            self.description, self.admin_state_up, self.deleted = "", True, False

    class Beat(Entity.Event):
        pass

    @event(Beat)
    def beat(self) -> None:
        pass

    def update(self, description: str | None, admin_state_up: bool | None) -> None:
        self.check_live()
        wanted = (self.description if description is None else description,
                  self.admin_state_up if admin_state_up is None else admin_state_up)
        if wanted != (self.description, self.admin_state_up):
            self._updated(*wanted)

    class Updated(Entity.Event):
        description: str
        admin_state_up: bool

    @event(Updated)
    def _updated(self, description: str, admin_state_up: bool) -> None:
        self.description, self.admin_state_up = description, admin_state_up

    def delete(self) -> None:
        self.check_live()
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
