"""The network agent against real pyroute2, dnsmasq and nftables in a throwaway "host"
namespace (vxlan on its veth "physical" interface), driven through BootService/ActionService
with a libvirt test-driver compute worker (tests/support/fleet.py) and through
FloatingIpService. The agent is stepped synchronously (catch_up / reconcile), never on sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.compute.states import VmState
from domain.context import RequestContext
from domain.network.addressing import FixedIpRequest
from domain.network.subnet_build import SubnetRequest
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.process.network.drift import NetworkDriftService
from domain.services.compute.boot import BootRequest
from domain.services.network.floating import FloatingIpService
from ops.roles.network_assembly import AgentAdapters, assemble_agent
from tests.integration.network.agent_fleet import agent_adapters, agent_fleet
from tests.support.fleet import USER, Fleet
from tests.support.network_namespaces import (
    Host,
    Namespaces,
    attach_guest,
    ip,
    lease,
    link_details,
)
from tests.support.waiting import wait_for

OTHER = RequestContext(user_id="u2", project_id="p2", roles=("member", "reader"))
NODE = "net-node"


class MemoryPositions:
    def __init__(self) -> None:
        self.saved: dict[str, int] = {}

    def get(self, name: str) -> int:
        return self.saved.get(name, 0)

    def save(self, name: str, position: int) -> None:
        self.saved[name] = max(position, self.saved.get(name, 0))


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with agent_fleet(f"sqlite:///{tmp_path / 'events.sqlite'}", tmp_path, NODE, "300:399",
                     "10.40.0.0/16") as made:
        yield made


@pytest.fixture
def adapters(host: Host, tmp_path: Path) -> Iterator[AgentAdapters]:
    with agent_adapters(host, tmp_path) as made:
        yield made


@pytest.fixture
def agent(fleet: Fleet, adapters: AgentAdapters) -> NetworkAgent:
    return assemble_agent(fleet.cloud.app, fleet.cloud.store, adapters,
                          NetworkAgentConfig(host=NODE))


def boot(fleet: Fleet, ctx: RequestContext = USER) -> tuple[UUID, dict[str, str]]:
    req = BootRequest(name="vm", flavor_ref="small", image_ref=fleet.image)
    instance = fleet.cloud.boots.boot(ctx, req)[0]
    fleet.booted.append(instance.id)
    fleet.wait_until(instance.id, VmState.ACTIVE)
    return instance.id, instance.ports[0]


def delete(fleet: Fleet, instance_id: UUID, ctx: RequestContext = USER) -> None:
    fleet.cloud.actions.delete(ctx, instance_id.hex)
    wait_for(lambda: fleet.instance(instance_id).deleted, f"{instance_id} deleted")


def segment_of(fleet: Fleet, port: dict[str, str]) -> int:
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    return int(network.segmentation_id)


def check_segment(host: Host, sid: int) -> dict[str, Any]:
    """Read back with `ip`: the VNI, the bridge membership, both up."""
    vx, bridge = link_details(host.ns, f"vx{sid}"), link_details(host.ns, f"brq{sid}")
    assert vx["linkinfo"]["info_kind"] == "vxlan"
    assert vx["linkinfo"]["info_data"]["id"] == sid
    assert vx["master"] == f"brq{sid}"
    assert "UP" in vx["flags"] and "UP" in bridge["flags"]
    return {"vx": vx["ifindex"], "bridge": bridge["ifindex"]}


def gone(host: Host, name: str) -> bool:
    try:
        link_details(host.ns, name)
    except Exception:  # noqa: BLE001 - `ip` fails on a missing device
        return True
    return False


def reservations(adapters: AgentAdapters, network_id: str) -> str:
    return (adapters.dhcp.state_dir / network_id / "hosts").read_text().lower()


def snapshot(host: Host, adapters: AgentAdapters, sids: list[int]) -> Any:
    return ({sid: check_segment(host, sid) for sid in sids},
            {n: adapters.dhcp.pid(n) for n in sorted(adapters.dhcp.running())},
            adapters.nat.list_rules())


def test_segments_and_dhcp_follow_instances_and_replay_changes_nothing(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters, host: Host) -> None:
    a1, port_a1 = boot(fleet)
    a2, port_a2 = boot(fleet)
    b1, port_b1 = boot(fleet, OTHER)
    assert agent.catch_up() >= 3
    sid_a, sid_b = segment_of(fleet, port_a1), segment_of(fleet, port_b1)
    assert sid_a != sid_b and port_a1["network_id"] == port_a2["network_id"]
    check_segment(host, sid_a)
    check_segment(host, sid_b)
    hosts_a = reservations(adapters, port_a1["network_id"])
    for port in (port_a1, port_a2):
        assert f"{port['mac']},{port['fixed_ip']}" in hosts_a
    assert port_b1["mac"] not in hosts_a
    assert adapters.dhcp.running() == {port_a1["network_id"], port_b1["network_id"]}

    delete(fleet, a1)
    agent.catch_up()
    check_segment(host, sid_a)  # a2 still needs it
    assert port_a1["mac"] not in reservations(adapters, port_a1["network_id"])
    delete(fleet, a2)
    agent.catch_up()
    assert gone(host, f"brq{sid_a}") and gone(host, f"vx{sid_a}")
    assert adapters.dhcp.running() == adapters.dhcp.known() == {port_b1["network_id"]}
    check_segment(host, sid_b)

    # A replay from position 0 (a fresh tracking position) changes nothing on the host.
    before = snapshot(host, adapters, [sid_b])
    replay = NetworkAgent(fleet.cloud.app, adapters.network, adapters.dhcp, adapters.nat,
                          MemoryPositions(), NetworkDriftService(fleet.cloud.app),
                          NetworkAgentConfig(host=NODE))
    assert replay.catch_up() > 0
    assert snapshot(host, adapters, [sid_b]) == before
    assert gone(host, f"brq{sid_a}")
    assert replay.reconcile() == []
    delete(fleet, b1, OTHER)
    agent.catch_up()
    assert adapters.network.list_segments() == {} and adapters.dhcp.known() == set()


def test_a_subnet_change_reaches_the_dhcp_server_of_a_served_network(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters) -> None:
    _, port = boot(fleet)
    agent.catch_up()
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    [subnet_id] = network.subnets
    conf = adapters.dhcp.state_dir / port["network_id"] / "dnsmasq.conf"
    assert "dns-server" not in conf.read_text()
    fleet.cloud.subnets.update_subnet(USER, port["network_id"], subnet_id,
                                      {"dns_nameservers": ["10.40.0.53", "10.40.0.54"]})
    assert agent.catch_up() >= 1
    assert "option:dns-server,10.40.0.53,10.40.0.54" in conf.read_text()
    assert adapters.dhcp.running() == {port["network_id"]}
    # A network this host does not serve is none of its business.
    other = fleet.cloud.networks.create_network(OTHER, "p2", "elsewhere", carve=False)
    fleet.cloud.subnets.create_subnet(OTHER, other.id.hex, SubnetRequest(cidr="10.41.0.0/24"))
    agent.catch_up()
    assert adapters.dhcp.known() == {port["network_id"]}


def test_floating_ip_nat_and_the_reconciler_restores_what_was_deleted_by_hand(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters, host: Host) -> None:
    instance_id, port = boot(fleet)
    floatings = FloatingIpService(fleet.cloud.app, fleet.cloud.settings.network_config())
    floating = floatings.allocate(USER, "p1")
    floatings.associate(USER, floating.id.hex, port["id"])
    agent.catch_up()
    address = IPv4Address(floating.address)
    rules = adapters.nat.list_rules()
    assert rules[address].dnat_to == IPv4Address(port["fixed_ip"])
    assert rules[address].snat_from == IPv4Address(port["fixed_ip"])
    assert agent.reconcile() == []

    sid = segment_of(fleet, port)
    before = check_segment(host, sid)
    ip(host.ns, "link", "del", f"brq{sid}")  # by hand
    ip(host.ns, "link", "del", f"vx{sid}")
    adapters.nat.disassociate(address)  # as a hand-made `nft delete rule` would
    drifts = agent.reconcile()
    assert {(d.kind, d.key) for d in drifts} == {("segment", port["network_id"]),
                                                 ("nat", str(address))}
    after = check_segment(host, sid)
    assert after["bridge"] != before["bridge"]
    assert adapters.nat.list_rules()[address].dnat_to == IPv4Address(port["fixed_ip"])
    assert adapters.dhcp.running() == {port["network_id"]}
    recorded = NetworkDriftService(fleet.cloud.app).of(NODE)
    assert recorded is not None
    assert [(o["kind"], o["resolution"]) for o in recorded.observed] == [
        (d.kind, "restored") for d in drifts]
    assert agent.reconcile() == []

    floatings.disassociate(USER, floating.id.hex)
    agent.catch_up()
    assert address not in adapters.nat.list_rules()
    delete(fleet, instance_id)
    agent.catch_up()
    assert adapters.network.list_segments() == {} and adapters.dhcp.running() == set()


def test_the_reconciler_removes_dhcp_state_nothing_needs_and_keeps_a_live_networks_leases(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters, host: Host,
        namespaces: Namespaces, tmp_path: Path) -> None:
    _, port = boot(fleet)
    agent.catch_up()
    network_id = port["network_id"]
    guest = attach_guest(namespaces, host, f"brq{segment_of(fleet, port)}", port["mac"])
    bound = lease(guest, tmp_path)
    assert bound is not None and f"ip={port['fixed_ip']} " in bound
    leases = adapters.dhcp.state_dir / network_id / "leases"
    assert port["mac"].lower() in leases.read_text().lower()
    pid = adapters.dhcp.pid(network_id)
    # What an agent killed between stopping a network's server and removing its files leaves.
    leftover = adapters.dhcp.state_dir / uuid4().hex
    leftover.mkdir()
    for name in ("dnsmasq.conf", "hosts", "leases", "dnsmasq.log"):
        (leftover / name).write_text("left behind\n")

    drifts = agent.reconcile()

    assert [(d.kind, d.key) for d in drifts] == [("stray-dhcp-state", leftover.name)]
    assert not leftover.exists()
    assert adapters.dhcp.known() == {network_id} and adapters.dhcp.pid(network_id) == pid
    assert port["mac"].lower() in leases.read_text().lower()
    recorded = NetworkDriftService(fleet.cloud.app).of(NODE)
    assert recorded is not None
    assert [(o["kind"], o["key"], o["resolution"]) for o in recorded.observed] == [
        ("stray-dhcp-state", leftover.name, "removed")]
    assert agent.reconcile() == []


def test_floating_ip_nat_goes_to_the_fixed_ip_it_was_associated_with(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters) -> None:
    """A port with two addresses: DNAT follows the one chosen (Neutron's fixed_ip_address),
    also when the floating IP moves to the port's other address."""
    _, port = boot(fleet)
    first = fleet.cloud.ports.port(USER, port["id"]).fixed_ips[0]
    updated = fleet.cloud.ports.update_port(USER, port["id"], fixed_ips=[
        FixedIpRequest(first["subnet_id"], first["ip_address"]),
        FixedIpRequest(first["subnet_id"])])
    second = next(f["ip_address"] for f in updated.fixed_ips if f != first)
    floatings = FloatingIpService(fleet.cloud.app, fleet.cloud.settings.network_config())
    floating = floatings.allocate(USER, "p1")
    floatings.associate(USER, floating.id.hex, port["id"], second)
    agent.catch_up()
    address = IPv4Address(floating.address)
    assert adapters.nat.list_rules()[address].dnat_to == IPv4Address(second)
    floatings.associate(USER, floating.id.hex, port["id"], first["ip_address"])
    agent.catch_up()
    assert adapters.nat.list_rules()[address].dnat_to == IPv4Address(first["ip_address"])
    assert agent.reconcile() == []
