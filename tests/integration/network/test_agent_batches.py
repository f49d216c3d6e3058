"""The network agent plans once per batch of notifications, not once per event, and still ends
where it would event by event: each change recorded once, under the request of the first event
of the batch that needed it, and a batch read after new events gets a new plan.

Real pyroute2, dnsmasq and nft in a throwaway "host" namespace (tests/integration/conftest.py's
`host`), a libvirt test-driver compute worker, both event stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path
from uuid import UUID

import pytest

from domain.compute.states import VmState
from domain.context import RequestContext
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.process.network.plans import TOPICS
from domain.services.compute.boot import BootRequest
from ops.roles.network_assembly import AgentAdapters, assemble_agent
from projections.audit import AuditViews
from tests.integration.network.agent_fleet import agent_adapters, agent_fleet
from tests.support.fleet import Fleet
from tests.support.network_namespaces import Host

NODE = "batch-node"


def asking(request_id: str, project: str = "p1") -> RequestContext:
    return RequestContext(user_id=f"u-{project}", project_id=project, roles=("member", "reader"),
                          request_id=request_id)


@pytest.fixture
def fleet(database_url: str, tmp_path: Path) -> Iterator[Fleet]:
    with agent_fleet(database_url, tmp_path, NODE, "600:699", "10.52.0.0/16") as made:
        yield made


@pytest.fixture
def adapters(host: Host, tmp_path: Path) -> Iterator[AgentAdapters]:
    with agent_adapters(host, tmp_path) as made:
        yield made


def agent(fleet: Fleet, adapters: AgentAdapters, batch_size: int = 100) -> NetworkAgent:
    return assemble_agent(fleet.cloud.app, fleet.cloud.store, adapters,
                          NetworkAgentConfig(host=NODE, batch_size=batch_size))


def boot(fleet: Fleet, request_id: str, project: str = "p1") -> dict[str, str]:
    request = BootRequest(name="vm", flavor_ref="small", image_ref=fleet.image)
    instance = fleet.cloud.boots.boot(asking(request_id, project), request)[0]
    fleet.wait_until(instance.id, VmState.ACTIVE)
    return instance.ports[0]


def changes(fleet: Fleet, request_id: str) -> list[tuple[str, str, str]]:
    fleet.cloud.runners["audit"].catch_up()
    rows = AuditViews(fleet.cloud.store).trace(request_id)
    return [(e["system"], e["action"], e["target"]) for r in rows
            if (r["aggregate_type"], r["event"]) == ("HostChange", "Applied")
            for e in r["effects"]]


def reservations(adapters: AgentAdapters, network_id: str) -> set[str]:
    text = (adapters.dhcp.state_dir / network_id / "hosts").read_text().lower()
    return {line.strip() for line in text.splitlines() if line.strip()}


def sid_of(fleet: Fleet, port: dict[str, str]) -> int:
    return int(fleet.cloud.app.repository.get(UUID(port["network_id"])).segmentation_id)


def test_one_plan_for_a_batch_and_each_change_traced_to_the_first_request_needing_it(
        fleet: Fleet, adapters: AgentAdapters) -> None:
    first, second = boot(fleet, "req-first"), boot(fleet, "req-second")
    other = boot(fleet, "req-other", project="p2")
    floating = fleet.cloud.floating_ips.allocate(asking("req-fip"), "p1")
    fleet.cloud.floating_ips.associate(asking("req-fip-on"), floating.id.hex, second["id"])
    events = len(fleet.cloud.app.recorder.select_notifications(
        start=1, limit=1 << 20, stop=fleet.cloud.app.head(), topics=TOPICS))
    network_agent = agent(fleet, adapters)
    assert network_agent.catch_up() > 3 and events > 3
    assert network_agent.plans == 1  # every event fits one batch of 100
    network_id, sid = first["network_id"], sid_of(fleet, first)
    assert second["network_id"] == network_id != other["network_id"]
    assert set(adapters.network.list_segments()) == {sid, sid_of(fleet, other)}
    assert reservations(adapters, network_id) == {
        f"{p['mac']},{p['fixed_ip']}".lower() for p in (first, second)}
    address = IPv4Address(floating.address)
    assert set(adapters.nat.list_rules()) == {address}
    # The plan already held the second server: its network was left as the first's events made
    # it. Its port's floating address is converged by its first event too (as event by event
    # with the agent behind: both read the association as it is now), once.
    assert ("dnsmasq", "start", network_id) in changes(fleet, "req-first")
    assert ("pyroute2", "link add", f"vx{sid}") in changes(fleet, "req-first")
    assert changes(fleet, "req-second") + changes(fleet, "req-fip-on") == [
        ("nftables", "add dnat/snat", str(address))]
    assert ("dnsmasq", "start", other["network_id"]) in changes(fleet, "req-other")
    assert network_agent.catch_up() == 0 and network_agent.plans == 1
    assert network_agent.reconcile() == []


def test_each_batch_plans_from_state_read_after_it(
        fleet: Fleet, adapters: AgentAdapters) -> None:
    network_agent = agent(fleet, adapters, batch_size=1)
    first = boot(fleet, "req-first")
    events = fleet.cloud.app.recorder.select_notifications(
        start=1, limit=1 << 20, stop=fleet.cloud.app.head(), topics=TOPICS)
    network_agent.catch_up()
    plans = network_agent.plans
    assert len(events) >= 2 and plans == len(events)  # a plan per batch, of one event here
    # A plan kept from the last catch-up would leave this server out of the reservations.
    second = boot(fleet, "req-second")
    network_agent.catch_up()
    assert network_agent.plans > plans
    assert reservations(adapters, first["network_id"]) == {
        f"{p['mac']},{p['fixed_ip']}".lower() for p in (first, second)}
    assert changes(fleet, "req-second") != []  # dnsmasq reloaded for it
    assert network_agent.reconcile() == []
