"""The network agent's changes to its host, traced back to the request that caused them: what
pyroute2, dnsmasq and nftables did is recorded as `HostChange.Applied` under the
triggering request's id (domain/process/host_changes.py), and `AuditViews.trace` (what
`skyledger audit --request-id ID --trace` prints) lists it with the request's own events.

Real pyroute2, dnsmasq and nft in a throwaway "host" namespace (tests/integration/conftest.py's
`host`), a libvirt test-driver compute worker, both event stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.compute.states import VmState
from domain.context import RequestContext
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.process.network.drift import network_drift_id
from domain.services.compute.boot import BootRequest
from domain.services.network.floating import FloatingIpService
from ops.roles.network_assembly import AgentAdapters, assemble_agent
from projections.audit import AuditViews
from tests.integration.network.agent_fleet import agent_adapters, agent_fleet
from tests.support.fleet import Fleet
from tests.support.network_namespaces import Host, ip
from tests.support.waiting import wait_for

NODE = "trace-node"


def asking(request_id: str) -> RequestContext:
    return RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"),
                          request_id=request_id)


@pytest.fixture
def fleet(database_url: str, tmp_path: Path) -> Iterator[Fleet]:
    with agent_fleet(database_url, tmp_path, NODE, "500:599", "10.50.0.0/16") as made:
        yield made


@pytest.fixture
def agent(fleet: Fleet, host: Host, tmp_path: Path) -> Iterator[tuple[NetworkAgent,
                                                                      AgentAdapters]]:
    with agent_adapters(host, tmp_path) as adapters:
        yield assemble_agent(fleet.cloud.app, fleet.cloud.store, adapters,
                             NetworkAgentConfig(host=NODE)), adapters


def changes(fleet: Fleet, request_id: str) -> list[tuple[str, str, str]]:
    """(system, action, target) of every change the agent recorded under the request."""
    fleet.cloud.runners["audit"].catch_up()
    rows = AuditViews(fleet.cloud.store).trace(request_id)
    applied = [r for r in rows if (r["aggregate_type"], r["event"]) ==
               ("HostChange", "Applied")]
    assert all(r["user_id"] == f"network:{NODE}" and r["data"]["host"] == NODE
               for r in applied)
    return [(e["system"], e["action"], e["target"]) for r in applied for e in r["effects"]]


def test_segment_dhcp_and_nat_changes_trace_to_their_requests(
        fleet: Fleet, agent: tuple[NetworkAgent, AgentAdapters], host: Host) -> None:
    network_agent, adapters = agent
    boot = BootRequest(name="vm", flavor_ref="small", image_ref=fleet.image)
    instance = fleet.cloud.boots.boot(asking("req-boot-traced"), boot)[0]
    fleet.wait_until(instance.id, VmState.ACTIVE)
    port: dict[str, Any] = instance.ports[0]
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    sid, network_id = int(network.segmentation_id), port["network_id"]
    assert network_agent.catch_up() > 0
    made = changes(fleet, "req-boot-traced")
    # The host's port filters first (the instance's port joins them), then its network.
    assert made == [("nftables", "apply security groups", host.ns),
                    ("pyroute2", "link add", f"vx{sid}"), ("pyroute2", "link add", f"brq{sid}"),
                    ("pyroute2", "link set", f"vx{sid}"), ("pyroute2", "link set", f"brq{sid}"),
                    ("pyroute2", "addr add", f"brq{sid}"), ("dnsmasq", "start", network_id)]
    assert adapters.dhcp.pid(network_id) is not None
    assert network_agent.catch_up() == 0 and network_agent.reconcile() == []

    floatings = FloatingIpService(fleet.cloud.app, fleet.cloud.settings.network_config())
    floating = floatings.allocate(asking("req-fip-allocate"), "p1")
    floatings.associate(asking("req-fip-associate"), floating.id.hex, port["id"])
    network_agent.catch_up()
    assert changes(fleet, "req-fip-associate") == [
        ("nftables", "add dnat/snat", str(IPv4Address(floating.address)))]
    assert changes(fleet, "req-fip-allocate") == []  # nothing on the host for an allocation

    ip(host.ns, "link", "del", f"brq{sid}")  # by hand: the reconciler puts it back
    [drift] = network_agent.reconcile()
    assert drift.kind == "segment"
    fleet.cloud.runners["audit"].catch_up()
    [observed] = AuditViews(fleet.cloud.store).events(
        aggregate_id=network_drift_id(NODE).hex)[-1:]
    repaired = changes(fleet, observed["request_id"])
    assert ("pyroute2", "link add", f"brq{sid}") in repaired
    assert ("dnsmasq", "stop", network_id) in repaired

    floatings.disassociate(asking("req-fip-disassociate"), floating.id.hex)
    fleet.cloud.actions.delete(asking("req-delete-traced"), instance.id.hex)
    wait_for(lambda: fleet.instance(instance.id).deleted, "the instance to be deleted")
    network_agent.catch_up()
    assert changes(fleet, "req-fip-disassociate") == [
        ("nftables", "delete dnat/snat", str(IPv4Address(floating.address)))]
    assert changes(fleet, "req-delete-traced") == [
        ("nftables", "apply security groups", host.ns), ("dnsmasq", "stop", network_id),
        ("dnsmasq", "remove state", network_id),
        ("pyroute2", "link del", f"vx{sid}"),
        ("pyroute2", "link del", f"brq{sid}")]
    assert adapters.network.list_segments() == {}
