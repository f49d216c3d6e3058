"""Neutron's automatic L3 agent failover with two network agents on two hosts (namespaces), real
packets: a router runs on host A's agent; A goes silent (its links cut, its agent no longer
run or beating); once B's beat is agent_down_time old, A's is older and the failover manager
(l3_failover.py, "now" given) moves the router to B, once, in one save with both ledgers. B's
agent builds the router's namespace, and the instance's port on B reaches the outside through
it again (SNAT by its floating IP, and DNAT to it), having announced the router's gateway and
floating addresses by gratuitous ARP; A, back, removes its stale copy.

    out 203.0.113.1 (br0) --brex-- A: router, then nothing        (hostA, hostB: one underlay)
                          --brex-- B: the router after failover --brq<sid>-- guest (the port)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest
from pyroute2 import netns

from domain.network.agent import agent_id
from domain.network.router_hosting import hosting_id
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.process.network.l3_failover import L3Failover, Move
from domain.process.network.router_plans import ExternalSide
from ops.roles.network_assembly import AgentAdapters, assemble_agent
from ops.roles.network_assembly import agent_adapters as host_adapters
from tests.integration.network.agent_fleet import agent_fleet
from tests.integration.network.test_agent_routers import UPSTREAM, guest_of, routed_instance
from tests.integration.network.test_nat import fetch, serve
from tests.support.arp_capture import arp_capture, neighbours_become
from tests.support.fleet import USER, Fleet
from tests.support.network_namespaces import Host, Namespaces, connect, ip

NODE_A, NODE_B = "l3-node-a", "l3-node-b"  # B is also the instance's compute host
DOWN = timedelta(seconds=75)
ELSEWHERE = "02:00:00:00:de:ad"  # where the upstream's stale entries point before B announces


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with agent_fleet(f"sqlite:///{tmp_path / 'events.sqlite'}", tmp_path, NODE_B, "600:699",
                     "10.60.0.0/16") as made:
        yield made


@pytest.fixture
def outside(two_hosts: tuple[Host, Host], namespaces: Namespaces) -> str:
    """The public pool's wire: a bridge `brex` in each host, both cabled to the upstream's."""
    upstream = namespaces.new("out")
    ip(upstream, "link", "add", "br0", "type", "bridge")
    ip(upstream, "link", "set", "br0", "up")
    ip(upstream, "addr", "add", f"{UPSTREAM}/24", "dev", "br0")
    for index, host in enumerate(two_hosts):
        ip(host.ns, "link", "add", "brex", "type", "bridge")
        ip(host.ns, "link", "set", "brex", "up")
        connect(host.ns, "uplink", upstream, f"in{index}")
        ip(host.ns, "link", "set", "uplink", "master", "brex")
        ip(upstream, "link", "set", f"in{index}", "master", "br0")
    return upstream


@contextmanager
def adapters_of(host: Host, tmp_path: Path) -> Iterator[AgentAdapters]:
    prefix = f"sky-qf{uuid.uuid4().hex[:6]}-"
    made = host_adapters("vxlan", host.phys, tmp_path / f"dhcp-{host.ns}", netns=host.ns,
                         router_prefix=prefix,
                         external=ExternalSide("brex", IPv4Network("203.0.113.0/24")))
    try:
        yield made
    finally:
        for network_id in made.dhcp.running():
            made.dhcp.stop(network_id)
        made.network.close()
        for name in netns.listnetns():  # the routers this agent made, and only those
            if name.startswith(prefix):
                netns.remove(name)


@pytest.fixture
def sides(fleet: Fleet, two_hosts: tuple[Host, Host], outside: str, tmp_path: Path,
          ) -> Iterator[tuple[tuple[NetworkAgent, AgentAdapters], ...]]:
    with adapters_of(two_hosts[0], tmp_path) as a, adapters_of(two_hosts[1], tmp_path) as b:
        yield tuple((assemble_agent(fleet.cloud.app, fleet.cloud.store, made,
                                    NetworkAgentConfig(host=node)), made)
                    for node, made in ((NODE_A, a), (NODE_B, b)))


def last_beat(fleet: Fleet, node: str) -> datetime:
    record: Any = fleet.cloud.app.repository.get(agent_id(node, "L3 agent"))
    return record.modified_on  # type: ignore[no-any-return]


def answers(ns: str, address: object, expected: str, tries: int = 5) -> bool:
    """The server answers as expected within a few connection attempts (1 s each: the first
    frames after a move may go to where the router was until the bridges learn again)."""
    return any(fetch(ns, address) == expected for _ in range(tries))


def test_a_router_of_a_silent_agent_moves_to_a_live_one_and_routes_there(
        fleet: Fleet, sides: tuple[tuple[NetworkAgent, AgentAdapters], ...],
        two_hosts: tuple[Host, Host], outside: str, namespaces: Namespaces) -> None:
    (agent_a, made_a), (agent_b, made_b) = sides
    assert made_a.routers is not None and made_b.routers is not None
    for node in (NODE_A, NODE_B):
        fleet.cloud.network_agents.register(USER, node, {})
    port, router, floating = routed_instance(fleet)
    agent_a.catch_up()  # A's agent sees the router first and places it on its host
    agent_b.catch_up()
    assert fleet.cloud.routers.router(USER, router.id.hex).host == NODE_A
    assert made_a.routers.routers() == {router.id.hex} and made_b.routers.routers() == set()
    with guest_of(fleet, namespaces, two_hosts[1], port) as guest:
        assert answers(outside, floating.address, f"guest {UPSTREAM}")  # through A

        # A goes silent: cut off, its agent neither run nor beating; B beats on.
        for link in ("uplink", "phys0"):
            ip(two_hosts[0].ns, "link", "set", link, "down")
        fleet.cloud.network_agents.heartbeat(USER, NODE_B)
        beat_a, beat_b = last_beat(fleet, NODE_A), last_beat(fleet, NODE_B)
        now = [beat_a + timedelta(seconds=1)]
        failover = L3Failover(fleet.cloud.app, NODE_B, DOWN, lambda: now[0])
        assert failover.run_once() == []  # both within agent_down_time
        now[0] = beat_b + DOWN  # B's beat just within it, A's beyond
        a_version = fleet.cloud.app.repository.get(agent_id(NODE_A, "L3 agent")).version
        assert failover.run_once() == [Move(router.id.hex, NODE_A, NODE_B, a_version)]
        assert failover.run_once() == []  # moved once
        restarted = L3Failover(fleet.cloud.app, NODE_A, DOWN, lambda: now[0])
        assert restarted.run_once() == []  # a manager reading the log anew: nothing to move
        assert fleet.cloud.routers.router(USER, router.id.hex).host == NODE_B
        ledgers: Any = [fleet.cloud.app.repository.get(hosting_id(n)) for n in (NODE_A, NODE_B)]
        assert [ledger.routers for ledger in ledgers] == [set(), {router.id.hex}]

        # B builds the router and announces its addresses (gratuitous ARP): the upstream's
        # entries, pointed elsewhere here, take the gateway leg's MAC before any traffic.
        gateway = str(router.gateway["external_fixed_ips"][0]["ip_address"])
        for address in (gateway, str(floating.address)):
            ip(outside, "neigh", "replace", address, "lladdr", ELSEWHERE, "dev", "br0",
               "nud", "stale")
        with arp_capture(outside, "br0") as capture:
            agent_b.catch_up()
            frames = capture.announced({gateway, str(floating.address)})
        assert made_b.routers.routers() == {router.id.hex}
        state = made_b.routers.state(router.id.hex)
        assert state is not None
        [leg_mac] = [mac for leg, mac in state.macs.items() if leg.startswith("qg-")]
        assert {f.sender_mac for f in frames} == {leg_mac}
        table = neighbours_become(outside, "br0", {gateway: leg_mac,
                                                   str(floating.address): leg_mac})
        assert table[gateway] == leg_mac and table[str(floating.address)] == leg_mac, table
        assert answers(outside, floating.address, f"guest {UPSTREAM}")  # through B now
        with contextmanager(serve)(outside, "outside"):
            assert answers(guest, UPSTREAM, f"outside {floating.address}")

        # A comes back: its agent catches up and removes its stale copy (before A's links are
        # up again, as on a host whose namespaces a restart dropped: a copy still cabled
        # would answer for the router's addresses beside B's, as in Neutron without HA).
        agent_a.catch_up()
        assert made_a.routers.routers() == set()
        for link in ("uplink", "phys0"):
            ip(two_hosts[0].ns, "link", "set", link, "up")
        assert agent_a.reconcile() == [] and agent_b.reconcile() == []
        assert answers(outside, floating.address, f"guest {UPSTREAM}")

