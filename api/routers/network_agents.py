"""Networking `/network/v2.0/agents`: Neutron's agents API (the `agent` extension) over the
records network agents register and beat on (domain/network/agent.py).

Agents are for admins (neutron/conf/policies/agent.py): others list none, and an agent they
ask for by id does not exist for them (Neutron answers 404 rather than reveal it). An agent is
`alive` while its last heartbeat is at most agent_down_time old (SKYLEDGER_AGENT_DOWN_TIME,
Neutron's, 75 s).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import PREFIX, dashed, parse_ref
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.network_lists import listed, selected
from api.policy import PolicyEngine
from domain.errors import NotFound
from projections.network_agents import AGENT_TIME, NetworkAgentViews
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["network: agents"])

RULES = [
    policy.RuleDefault("get_agent", "rule:admin_api"),
    policy.RuleDefault("update_agent", "rule:admin_api"),
    policy.RuleDefault("delete_agent", "rule:admin_api"),
]
FILTERS = ("id", "agent_type", "binary", "topic", "host", "admin_state_up", "alive",
           "description", "availability_zone")


class AgentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = Field(default=None, max_length=255)
    admin_state_up: bool | None = None


class AgentUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: AgentUpdate


def agent_body(row: Row, now: datetime, down_time: float) -> dict[str, Any]:
    beat = datetime.strptime(row["heartbeat_timestamp"], AGENT_TIME).replace(tzinfo=UTC)
    alive = now - beat <= timedelta(seconds=down_time)
    return {
        "id": dashed(row["id"]), "agent_type": row["agent_type"],
        "binary": row["agent_binary"], "topic": row["topic"], "host": row["host"],
        "admin_state_up": bool(row["admin_state_up"]), "alive": alive,
        "description": row["description"], "configurations": row["configurations"],
        "created_at": row["created_at"], "started_at": row["started_at"],
        "heartbeat_timestamp": row["heartbeat_timestamp"],
        # Neutron gives a zone only to the agents that schedule by it (DHCP and L3).
        "availability_zone": None if row["topic"] == "N/A" else "nova",
        "resources_synced": None,
    }


def visible_agent(cloud: CloudServices, caller: Caller, engine: PolicyEngine, ref: str,
                  action: str) -> Row:
    row = NetworkAgentViews(cloud.store).agent(parse_ref(ref, "Agent"))
    if row is None or not engine.allowed(f"{action}_agent", {}, caller.creds):
        raise NotFound(f"Agent {ref} could not be found.")
    return row


@router.get("/agents")
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    if not engine.allowed("get_agent", {}, caller.creds):
        return {"agents": []}
    now = datetime.now(UTC)
    down = cloud.settings.agent_down_time
    bodies = [agent_body(r, now, down) for r in NetworkAgentViews(cloud.store).agents()]
    kinds = {kind.casefold() for kind in request.query_params.getlist("agent_type")}
    if kinds:
        # Neutron's agent_type filter is the database's equality, case-insensitive on the
        # MySQL of a devstack: Tempest's DHCP scheduler tests ask for "DHCP Agent".
        bodies = [b for b in bodies if b["agent_type"].casefold() in kinds]
    return listed("agents", bodies, request.query_params,
                  tuple(f for f in FILTERS if f != "agent_type"), str(request.url.path))


@router.get("/agents/{agent_id}")
def show(agent_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_agent(cloud, caller, engine, agent_id, "get")
    body = agent_body(row, datetime.now(UTC), cloud.settings.agent_down_time)
    return {"agent": selected(body, request.query_params)}


@router.put("/agents/{agent_id}")
def update(agent_id: str, body: AgentUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    row = visible_agent(cloud, caller, engine, agent_id, "get")
    engine.enforce("update_agent", {}, caller.creds)
    cloud.network_agents.update(caller.ctx, row["id"], body.agent.description,
                                body.agent.admin_state_up)
    cloud.catch_up_for_reads()
    return {"agent": agent_body(visible_agent(cloud, caller, engine, agent_id, "get"),
                                datetime.now(UTC), cloud.settings.agent_down_time)}


@router.delete("/agents/{agent_id}", status_code=204)
def delete(agent_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    row = visible_agent(cloud, caller, engine, agent_id, "get")
    engine.enforce("delete_agent", {}, caller.creds)
    cloud.network_agents.delete(caller.ctx, row["id"])
    return Response(status_code=204)
