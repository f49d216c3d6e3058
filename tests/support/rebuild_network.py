"""The rebuild workload's part for network agents: test_projections_rebuild.py calls it with
the cloud (agents register themselves, as `skyledger network-agent` does) and its `Api`."""

from __future__ import annotations

from typing import Any

from domain.context import RequestContext
from domain.network.agent import agent_id
from ops.bootstrap import Cloud


def drive_network_agents(cloud: Cloud, api: Any) -> None:
    """Two hosts' agents registered and beating; one described and disabled, one deleted and
    registered again by its agent's restart."""
    for host in ("rb-net-1", "rb-net-2"):
        ctx = RequestContext(user_id=f"network:{host}")
        cloud.network_agents.register(ctx, host, {"segment_type": "vxlan"})
        cloud.network_agents.heartbeat(ctx, host)
    cloud.sync_read_models()  # registered by another process: the API reads its read model
    path = f"/network/v2.0/agents/{agent_id('rb-net-1', 'L3 agent')}"
    api("PUT", path, {"agent": {"description": "rack 1", "admin_state_up": False}})
    api("DELETE", f"/network/v2.0/agents/{agent_id('rb-net-2', 'DHCP agent')}")
    cloud.network_agents.register(RequestContext(user_id="network:rb-net-2"), "rb-net-2", {})
    cloud.network_agents.register(RequestContext(user_id="network:rb-net-3"), "rb-net-3", {})
    cloud.sync_read_models()
    drive_agent_scheduling(api)


def drive_agent_scheduling(api: Any) -> None:
    """Routers on L3 agents and networks on DHCP agents by hand (the hosting read model): one
    router added, taken off and added to another host; one network scheduled to two agents and
    taken off one, another scheduled and taken off."""
    net = "/network/v2.0"
    router = api.create(f"{net}/routers", "router", {"name": "rb-scheduled"})
    one, two = (agent_id(host, "L3 agent") for host in ("rb-net-3", "rb-net-2"))
    api("POST", f"{net}/agents/{one}/l3-routers", {"router_id": router})
    api("DELETE", f"{net}/agents/{one}/l3-routers/{router}")
    api("POST", f"{net}/agents/{two}/l3-routers", {"router_id": router})
    kept, dropped = (api.create(f"{net}/networks", "network", {"name": name})
                     for name in ("rb-dhcp-kept", "rb-dhcp-dropped"))
    for host in ("rb-net-3", "rb-net-2"):
        api("POST", f"{net}/agents/{agent_id(host, 'DHCP agent')}/dhcp-networks",
            {"network_id": kept})
    dhcp = agent_id("rb-net-3", "DHCP agent")
    api("DELETE", f"{net}/agents/{dhcp}/dhcp-networks/{kept}")
    api("POST", f"{net}/agents/{dhcp}/dhcp-networks", {"network_id": dropped})
    api("DELETE", f"{net}/agents/{dhcp}/dhcp-networks/{dropped}")
