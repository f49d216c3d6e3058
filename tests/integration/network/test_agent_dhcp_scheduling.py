"""Neutron's dhcp_agent_scheduler on a real host: a network an admin schedules to the host's
DHCP agent gets its bridge and dnsmasq there without any port on the host; taken off, or
deleted, they go (unless the host's instances need them); the read model lists a host's
networks as scheduled plus those of its instances' ports, and each network's agents."""

from __future__ import annotations

from domain.network.agent import agent_id
from domain.process.network.agent import NetworkAgent
from ops.roles.network_assembly import AgentAdapters
from projections.network_agents import NetworkAgentViews
from tests.integration.network import test_agent_routers as routed
from tests.integration.network.test_agent import boot, segment_of
from tests.support.fleet import USER, Fleet

# The router tests' host with its agent (pytest finds fixtures by these module names).
NODE = routed.NODE
fleet, outside, adapters, agent = routed.fleet, routed.outside, routed.adapters, routed.agent


def test_a_scheduled_network_is_served_until_taken_off(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters) -> None:
    fleet.cloud.network_agents.register(USER, NODE, {})
    dhcp = str(agent_id(NODE, "DHCP agent"))
    _, port = boot(fleet)  # on the project's default network (made now)
    scheduled = fleet.cloud.networks.create_network(USER, "p1", "scheduled")
    assert scheduled.id.hex != port["network_id"]
    sid = scheduled.segmentation_id
    agent.catch_up()
    assert scheduled.id.hex not in adapters.dhcp.running()

    fleet.cloud.agent_scheduling.add_network(USER, dhcp, scheduled.id.hex)
    agent.catch_up()
    assert scheduled.id.hex in adapters.dhcp.running()
    assert adapters.network.segment(sid) is not None
    assert agent.reconcile() == []

    # An instance's network is served for its port, scheduled or not.
    views = NetworkAgentViews(fleet.cloud.store)
    fleet.cloud.sync_read_models()
    assert views.dhcp_networks(NODE) == sorted({scheduled.id.hex, port["network_id"]})
    assert views.dhcp_hosts(scheduled.id.hex) == [NODE]
    assert views.dhcp_hosts(port["network_id"]) == [NODE]

    fleet.cloud.agent_scheduling.remove_network(USER, dhcp, scheduled.id.hex)
    agent.catch_up()
    assert scheduled.id.hex not in adapters.dhcp.known()
    assert adapters.network.segment(sid) is None
    assert port["network_id"] in adapters.dhcp.running()  # the instance's, untouched
    assert adapters.network.segment(segment_of(fleet, port)) is not None
    fleet.cloud.sync_read_models()
    assert views.dhcp_networks(NODE) == [port["network_id"]]
    assert agent.reconcile() == []


def test_a_deleted_scheduled_network_goes_from_the_host(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters) -> None:
    fleet.cloud.network_agents.register(USER, NODE, {})
    scheduled = fleet.cloud.networks.create_network(USER, "p1", "short-lived")
    fleet.cloud.agent_scheduling.add_network(USER, str(agent_id(NODE, "DHCP agent")),
                                             scheduled.id.hex)
    agent.catch_up()
    assert scheduled.id.hex in adapters.dhcp.running()
    for subnet_id in list(scheduled.subnets):
        fleet.cloud.subnets.delete_subnet(USER, scheduled.id.hex, subnet_id)
    fleet.cloud.networks.delete_network(USER, scheduled.id.hex)
    agent.catch_up()
    assert scheduled.id.hex not in adapters.dhcp.known()
    assert adapters.network.segment(scheduled.segmentation_id) is None
    assert agent.reconcile() == []
