"""Networking: Neutron's `l3_agent_scheduler` extension, which L3 agent runs which router.

`/agents/{id}/l3-routers` lists, adds and removes the routers of one L3 agent (a host's network
agent, domain/process/network/router_work.py), `/routers/{id}/l3-agents` the agents of one
router (at most one: routers here are neither HA nor distributed). All of it is for admins
(neutron/conf/policies/l3_agent.py); Neutron answers others 403. What each host runs comes
from the hosts' RouterHosting ledgers through the network_agents read model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.bodies.networks import PREFIX, parse_ref, tagged
from api.bodies.routers import router_body, router_views, visible_router
from api.deps import CallerDep, CloudDep, PolicyDep
from api.routers.network_agents import agent_body
from domain.errors import NotFound
from domain.services.network.agent_scheduling import L3_AGENT
from projections.network_agents import NetworkAgentViews

router = APIRouter(prefix=PREFIX, tags=["network: l3 agent scheduler"])

RULES = [
    policy.RuleDefault("create_l3-router", "rule:admin_api"),
    policy.RuleDefault("get_l3-routers", "rule:admin_api"),
    policy.RuleDefault("delete_l3-router", "rule:admin_api"),
    policy.RuleDefault("get_l3-agents", "rule:admin_api"),
]


class RouterToAgent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    router_id: str


def no_body(status: int) -> Response:
    """Neutron's scheduler controllers answer with a JSON null."""
    return Response(content="null", media_type="application/json", status_code=status)


@router.get("/agents/{agent_id}/l3-routers")
def agent_routers(agent_id: str, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_l3-routers", {}, caller.creds)
    views = NetworkAgentViews(cloud.store)
    agent = views.agent(parse_ref(agent_id, "Agent"))
    if agent is None:
        raise NotFound(f"Agent {agent_id} could not be found.")
    if agent["agent_type"] != L3_AGENT:  # no other kind of agent hosts routers
        return {"routers": []}
    rows = [router_views(cloud).router(r) for r in views.hosted(agent["host"], "router")]
    return {"routers": tagged(cloud, "routers", [router_body(r) for r in rows if r])}


@router.post("/agents/{agent_id}/l3-routers", status_code=201)
def add_router(agent_id: str, body: RouterToAgent, cloud: CloudDep, caller: CallerDep,
               engine: PolicyDep) -> Response:
    engine.enforce("create_l3-router", {}, caller.creds)
    cloud.agent_scheduling.add_router(caller.ctx, agent_id, body.router_id)
    cloud.catch_up_for_reads()
    return no_body(201)


@router.delete("/agents/{agent_id}/l3-routers/{router_id}", status_code=204)
def remove_router(agent_id: str, router_id: str, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep) -> Response:
    engine.enforce("delete_l3-router", {}, caller.creds)
    cloud.agent_scheduling.remove_router(caller.ctx, agent_id, router_id)
    cloud.catch_up_for_reads()
    return Response(status_code=204)


@router.get("/routers/{router_id}/l3-agents")
def router_agents(router_id: str, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_l3-agents", {}, caller.creds)
    row = visible_router(cloud, caller, router_id)
    views, now = NetworkAgentViews(cloud.store), datetime.now(UTC)
    agents = [views.agent_of(host, L3_AGENT) for host in views.hosts_of("router", row["id"])]
    down = cloud.settings.agent_down_time
    return {"agents": [agent_body(a, now, down) for a in agents if a is not None]}
