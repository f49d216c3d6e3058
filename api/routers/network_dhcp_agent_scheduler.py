"""Networking: Neutron's `dhcp_agent_scheduler` extension, which DHCP agents serve which network.

A host's network agent serves DHCP on the networks with ports of its instances (each host's
dnsmasq answers its own guests, domain/process/network/plans.py) and on the networks an admin
schedules to it (the host's DhcpHosting ledger: the agent makes their bridge and dnsmasq). The
lists show both; only a scheduling can be taken off. All of it is for admins
(neutron/conf/policies/network.py's dhcp rules); Neutron answers others 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.bodies.networks import PREFIX, parse_ref, views, visible
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.routers.network_agents import agent_body
from api.routers.network_l3_agent_scheduler import no_body
from api.routers.network_networks import with_subnets
from domain.errors import NotFound
from domain.services.network.agent_scheduling import DHCP_AGENT
from projections.network_agents import NetworkAgentViews

router = APIRouter(prefix=PREFIX, tags=["network: dhcp agent scheduler"])

RULES = [
    policy.RuleDefault("create_dhcp-network", "rule:admin_api"),
    policy.RuleDefault("get_dhcp-networks", "rule:admin_api"),
    policy.RuleDefault("delete_dhcp-network", "rule:admin_api"),
    policy.RuleDefault("get_dhcp-agents", "rule:admin_api"),
]


class NetworkToAgent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network_id: str


def auto_dhcp_host(cloud: CloudServices, network_id: str) -> str | None:
    """Where a port's network goes when no DHCP agent serves it (Neutron's
    network_auto_schedule, one agent per network): the first live, enabled DHCP agent's host,
    by name. The agents read model only guides the choice; the host's ledger records it."""
    agents = NetworkAgentViews(cloud.store)
    if agents.dhcp_hosts(network_id):
        return None
    now = datetime.now(UTC)
    for row in agents.agents():
        body = agent_body(row, now, cloud.settings.agent_down_time)
        if body["agent_type"] == DHCP_AGENT and body["alive"] and body["admin_state_up"]:
            return str(row["host"])
    return None


@router.get("/agents/{agent_id}/dhcp-networks")
def agent_networks(agent_id: str, cloud: CloudDep, caller: CallerDep,
                   engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_dhcp-networks", {}, caller.creds)
    agents = NetworkAgentViews(cloud.store)
    agent = agents.agent(parse_ref(agent_id, "Agent"))
    if agent is None:
        raise NotFound(f"Agent {agent_id} could not be found.")
    if agent["agent_type"] != DHCP_AGENT:  # no other kind of agent serves DHCP
        return {"networks": []}
    rows = [views(cloud).network(n) for n in agents.dhcp_networks(agent["host"])]
    return {"networks": with_subnets(cloud, [r for r in rows if r], caller, engine)}


@router.post("/agents/{agent_id}/dhcp-networks", status_code=201)
def add_network(agent_id: str, body: NetworkToAgent, cloud: CloudDep, caller: CallerDep,
                engine: PolicyDep) -> Response:
    engine.enforce("create_dhcp-network", {}, caller.creds)
    cloud.agent_scheduling.add_network(caller.ctx, agent_id, body.network_id)
    cloud.catch_up_for_reads()
    return no_body(201)


@router.delete("/agents/{agent_id}/dhcp-networks/{network_id}", status_code=204)
def remove_network(agent_id: str, network_id: str, cloud: CloudDep, caller: CallerDep,
                   engine: PolicyDep) -> Response:
    engine.enforce("delete_dhcp-network", {}, caller.creds)
    cloud.agent_scheduling.remove_network(caller.ctx, agent_id, network_id)
    cloud.catch_up_for_reads()
    return Response(status_code=204)


@router.get("/networks/{network_id}/dhcp-agents")
def network_agents(network_id: str, cloud: CloudDep, caller: CallerDep,
                   engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_dhcp-agents", {}, caller.creds)
    row = visible(views(cloud).network(parse_ref(network_id, "Network")), caller, "Network",
                  network_id)
    agents, now = NetworkAgentViews(cloud.store), datetime.now(UTC)
    found = [agents.agent_of(host, DHCP_AGENT) for host in agents.dhcp_hosts(row["id"])]
    down = cloud.settings.agent_down_time
    return {"agents": [agent_body(a, now, down) for a in found if a is not None]}
