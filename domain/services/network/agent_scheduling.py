"""Neutron's agent schedulers (l3_agent_scheduler, dhcp_agent_scheduler): an admin places a
router on a host's L3 agent or a network on its DHCP agent, or takes it off, by hand.

A router runs on one host at a time (routers here are neither HA nor distributed), so adding
it to an agent while another runs it is a conflict, as Neutron's RouterHostedByL3Agent; taking
it off leaves it unplaced (Neutron: "non-hosted until there is update which leads to
re-schedule"). The router and the host's RouterHosting ledger are saved together, as the
network agents' own placement does (RouterService.schedule_router), so an admin and an agent
racing for an unplaced router conflict on its version and one of them places it.

A network may be served by many DHCP agents (Neutron's dhcp_agents_per_network): each host's
agent serves the networks with ports of its instances, and the ones scheduled to it, which its
DhcpHosting ledger holds. Only a scheduling can be taken off: a host serves its instances'
networks whatever an admin says (taking such a network off is a conflict). A port made on a
network no DHCP agent serves schedules it to one (plan_dhcp_schedule), as Neutron does.
"""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import NotFound
from domain.network.agent import NetworkAgentRecord, agent_id
from domain.network.dhcp_hosting import DhcpHosting, dhcp_hosting_id
from domain.network.errors import InUse
from domain.network.network import Network
from domain.network.router import Router
from domain.network.router_hosting import RouterHosting, hosting_id
from domain.services.network.workset import Workset, parse_id

L3_AGENT = "L3 agent"
DHCP_AGENT = "DHCP agent"


def plan_dhcp_schedule(ws: Workset, network: Network, host: str) -> None:
    """Neutron's network_auto_schedule, when a port is made: a network with a DHCP-enabled
    IPv4 subnet that no DHCP agent serves goes to `host`'s (the API picks a live one from the
    agents read model; saved with the port, so its ledger holds the network once)."""
    if not any(s.enable_dhcp and s.ip_version == 4 for s in network.subnet_specs()):
        return
    hosting = ws.open(dhcp_hosting_id(host), lambda: DhcpHosting(host))
    if network.id.hex not in hosting.networks:
        hosting.schedule(network.id.hex)


class AgentSchedulingService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def live_agent(self, ref: str) -> NetworkAgentRecord:
        found = self.app.find(parse_id(ref, "Agent"))
        if not isinstance(found, NetworkAgentRecord) or found.deleted:
            raise NotFound(f"Agent {ref} could not be found.")
        return found

    def agent(self, ref: str, agent_type: str, kind: str) -> NetworkAgentRecord:
        """The live, enabled agent of that type (Neutron's InvalidL3Agent is a 404)."""
        found = self.live_agent(ref)
        if found.agent_type != agent_type or not found.admin_state_up:
            raise NotFound(f"Agent {ref} is not a {kind} Agent or has been disabled.")
        return found

    @command
    def add_router(self, ctx: RequestContext, agent_ref: str, router_id: str) -> Router:
        host = self.agent(agent_ref, L3_AGENT, "L3").host
        ws = Workset(self.app)
        router = ws.live(router_id, Router, "Router")
        if router.host == host:
            return router  # hosted there already: nothing to do (Neutron too)
        if router.host is not None:
            raise InUse(f"The router {router.id} has been already hosted by the L3 Agent "
                        f"{agent_id(router.host, L3_AGENT)}.")
        router.schedule(host)
        ws.open(hosting_id(host), lambda: RouterHosting(host)).host_router(router.id.hex)
        self.app.save(*ws.changed())
        return router

    @command
    def remove_router(self, ctx: RequestContext, agent_ref: str, router_id: str) -> Router:
        record = self.live_agent(agent_ref)  # disabled or not: taking off is always allowed
        ws = Workset(self.app)
        router = ws.live(router_id, Router, "Router")
        if record.agent_type != L3_AGENT or router.host != record.host:
            raise InUse(f"The router {router.id} is not hosted by L3 agent {agent_ref}.")
        router.unschedule()
        ws.open(hosting_id(record.host),
                lambda: RouterHosting(record.host)).release(router.id.hex)
        self.app.save(*ws.changed())
        return router

    @command
    def fail_over(self, ctx: RequestContext, router_id: str, from_host: str, to_host: str,
                  seen_version: int) -> bool:
        """Move a router off a dead L3 agent's host (l3_failover.py decides which): only while
        it still runs on `from_host` and that host's L3 agent has not beaten since the decision
        (its record still at `seen_version`), so a replayed or a second decision moves nothing
        twice and a host that came back keeps its routers. The router and both hosts' ledgers
        are saved together, as an admin's move is."""
        ws = Workset(self.app)
        router = ws.find(parse_id(router_id, "Router"))
        record = self.app.find(agent_id(from_host, L3_AGENT))
        if (not isinstance(router, Router) or router.deleted or router.host != from_host
                or (isinstance(record, NetworkAgentRecord) and record.version != seen_version)):
            return False
        router.move(to_host)
        ws.open(hosting_id(from_host), lambda: RouterHosting(from_host)).release(router.id.hex)
        ws.open(hosting_id(to_host), lambda: RouterHosting(to_host)).host_router(router.id.hex)
        self.app.save(*ws.changed())
        return True

    @command
    def add_network(self, ctx: RequestContext, agent_ref: str, network_id: str) -> None:
        host = self.agent(agent_ref, DHCP_AGENT, "valid DHCP").host
        ws = Workset(self.app)
        network = ws.network(network_id)
        hosting = ws.open(dhcp_hosting_id(host), lambda: DhcpHosting(host))
        if network.id.hex in hosting.networks:
            raise InUse(f"The network {network.id} has been already hosted by the DHCP Agent "
                        f"{agent_ref}.")
        hosting.schedule(network.id.hex)
        self.app.save(*ws.changed())

    @command
    def remove_network(self, ctx: RequestContext, agent_ref: str, network_id: str) -> None:
        record = self.live_agent(agent_ref)
        ws = Workset(self.app)
        network = ws.network(network_id)
        hosting = ws.find(dhcp_hosting_id(record.host))
        if (record.agent_type != DHCP_AGENT or not isinstance(hosting, DhcpHosting)
                or network.id.hex not in hosting.networks):
            raise InUse(f"The network {network.id} is not hosted by the DHCP agent "
                        f"{agent_ref}.")
        hosting.unschedule(network.id.hex)
        self.app.save(hosting)
