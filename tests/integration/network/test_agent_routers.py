"""The network agent runs routers: a router with a gateway on the public pool and an interface
on an instance's subnet is placed on the agent's host (the host's ledger), converged into a
namespace of its own, the bridge handing the gateway address to it; a floating IP of the
instance's port is translated there (not by the host), with real packets between the test's
namespaces; a router broken by hand is repaired by the reconciler, and a deleted one is gone.

    outside 203.0.113.1 --brex-- router (gateway on the pool) --brq<sid>-- guest (the port)

Behind a router, a guest's default route leads to the router, not to the agent's namespace
where the metadata service is: DHCP gives it a route to 169.254.169.254 through the bridge.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pyroute2 import netns

from domain.context import RequestContext
from domain.network.agent import agent_id
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.router_hosting import hosting_id
from domain.network.subnet_build import SubnetRequest
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.process.network.router_plans import ExternalSide
from domain.services.network.router_plans import GatewayRequest
from ops.roles.network_assembly import AgentAdapters, assemble_agent, start_metadata_service
from ops.roles.network_assembly import agent_adapters as host_adapters
from tests.integration.network.agent_fleet import agent_fleet
from tests.integration.network.test_agent import boot, segment_of
from tests.integration.network.test_metadata_service import get
from tests.integration.network.test_nat import fetch, serve
from tests.support.fleet import USER, Fleet
from tests.support.network_namespaces import (
    Host,
    Namespaces,
    attach_guest,
    connect,
    ip,
    pings,
    sh,
)
from tests.support.router_advertisements import slaac_address

NODE = "router-node"
ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin", "member", "reader"))
UPSTREAM = "203.0.113.1"


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with agent_fleet(f"sqlite:///{tmp_path / 'events.sqlite'}", tmp_path, NODE, "500:599",
                     "10.50.0.0/16") as made:
        yield made


@pytest.fixture
def outside(host: Host, namespaces: Namespaces) -> str:
    """The public pool's wire: a bridge in the host, and the upstream router beyond it."""
    upstream = namespaces.new("out")
    ip(host.ns, "link", "add", "brex", "type", "bridge")
    ip(host.ns, "link", "set", "brex", "up")
    connect(host.ns, "uplink", upstream, "eth0")
    ip(host.ns, "link", "set", "uplink", "master", "brex")
    ip(upstream, "addr", "add", f"{UPSTREAM}/24", "dev", "eth0")
    return upstream


@pytest.fixture
def adapters(host: Host, tmp_path: Path, outside: str) -> Iterator[AgentAdapters]:
    prefix = f"sky-qr{uuid.uuid4().hex[:6]}-"
    made = host_adapters("vxlan", host.phys, tmp_path / "dhcp", netns=host.ns,
                         router_prefix=prefix,
                         external=ExternalSide("brex", IPv4Network("203.0.113.0/24")))
    try:
        yield made
    finally:
        for network_id in made.dhcp.running():
            made.dhcp.stop(network_id)
        made.network.close()
        if made.routers is not None:
            for router_id in made.routers.routers():  # their radvd stopped with them
                made.routers.remove(router_id)
        for name in netns.listnetns():  # the routers this test's agent made, and only those
            if name.startswith(prefix):
                netns.remove(name)


@pytest.fixture
def agent(fleet: Fleet, adapters: AgentAdapters) -> NetworkAgent:
    return assemble_agent(fleet.cloud.app, fleet.cloud.store, adapters,
                          NetworkAgentConfig(host=NODE))


def routed_instance(fleet: Fleet) -> tuple[dict[str, str], Any, Any]:
    """An instance's port, a router joining its subnet with a gateway on the pool, and a
    floating IP of the port."""
    _, port = boot(fleet)
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    [subnet_id] = network.subnets
    routers = fleet.cloud.routers
    router = routers.create_router(USER, "p1", "r1",
                                   gateway=GatewayRequest(EXTERNAL_NETWORK_ID))
    routers.add_subnet_interface(USER, router.id.hex, port["network_id"], subnet_id)
    floating = fleet.cloud.floating_ips.allocate(USER, "p1")
    fleet.cloud.floating_ips.associate(USER, floating.id.hex, port["id"])
    return port, routers.router(USER, router.id.hex), floating


@contextmanager
def guest_of(fleet: Fleet, namespaces: Namespaces, host: Host,
             port: dict[str, str]) -> Iterator[str]:
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    spec = network.primary_subnet()
    prefix = IPv4Network(spec.cidr).prefixlen
    guest = attach_guest(namespaces, host, f"brq{segment_of(fleet, port)}", port["mac"],
                         f"{port['fixed_ip']}/{prefix}", spec.gateway_ip)
    with contextmanager(serve)(guest, "guest"):
        yield guest


def test_the_agent_runs_the_router_and_its_floating_ip(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters, host: Host, outside: str,
        namespaces: Namespaces) -> None:
    port, router, floating = routed_instance(fleet)
    agent.catch_up()

    hosting: Any = fleet.cloud.app.repository.get(hosting_id(NODE))
    assert hosting.routers == {router.id.hex}
    assert fleet.cloud.routers.router(USER, router.id.hex).host == NODE
    assert adapters.routers is not None
    assert adapters.routers.routers() == {router.id.hex}
    # The bridge gave the gateway to the router: it carries the DHCP server's address now.
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    spec = network.primary_subnet()
    bridge = adapters.network.segment(segment_of(fleet, port))
    assert bridge is not None and bridge.addresses == {IPv4Interface(
        f"{network.dhcp_addresses[spec.id]}/{IPv4Network(spec.cidr).prefixlen}")}
    assert IPv4Address(floating.address) not in adapters.nat.list_rules()  # not the host's
    with guest_of(fleet, namespaces, host, port) as guest:
        # Where br_netfilter is on (it is on the machines this was written on), the guest's
        # frames to its router's leg pass the host's IP forward hook and its bridge isolation.
        assert fetch(outside, floating.address) == f"guest {UPSTREAM}"
        with contextmanager(serve)(outside, "outside"):
            assert fetch(guest, UPSTREAM) == f"outside {floating.address}"
    assert agent.reconcile() == []

    fleet.cloud.floating_ips.disassociate(USER, floating.id.hex)
    agent.catch_up()
    with guest_of(fleet, namespaces, host, port) as guest:
        assert fetch(outside, floating.address) is None
        with contextmanager(serve)(outside, "outside"):  # SNAT to the router's gateway now
            gateway = router.gateway["external_fixed_ips"][0]["ip_address"]
            assert fetch(guest, UPSTREAM) == f"outside {gateway}"


def test_a_floating_ip_of_an_admin_made_external_network(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters, host: Host,
        namespaces: Namespaces) -> None:
    """The same through a `router:external` network an admin made: the router's gateway is on
    that network's bridge, and a namespace there reaches the guest through its floating IP."""
    _, port = boot(fleet)
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    [subnet_id] = network.subnets
    ext = fleet.cloud.networks.create_network(ADMIN, "admin", "ext", carve=False,
                                              attributes={"router:external": True})
    fleet.cloud.subnets.create_subnet(ADMIN, ext.id.hex, SubnetRequest(
        cidr="198.51.100.0/24", enable_dhcp=False))
    routers = fleet.cloud.routers
    router = routers.create_router(USER, "p1", "r1", gateway=GatewayRequest(ext.id.hex))
    routers.add_subnet_interface(USER, router.id.hex, port["network_id"], subnet_id)
    floating = fleet.cloud.floating_ips.allocate(USER, "p1", network_id=ext.id.hex)
    fleet.cloud.floating_ips.associate(USER, floating.id.hex, port["id"])
    assert floating.address.startswith("198.51.100.")
    agent.catch_up()

    assert IPv4Address(floating.address) not in adapters.nat.list_rules()  # not the host's
    far = "198.51.100.200"
    outside = attach_guest(namespaces, host, f"brq{ext.segmentation_id}", "fa:16:3e:00:0e:01",
                           f"{far}/24")
    with guest_of(fleet, namespaces, host, port) as guest:
        assert fetch(outside, floating.address) == f"guest {far}"
        with contextmanager(serve)(outside, "outside"):
            assert fetch(guest, far) == f"outside {floating.address}"
    assert agent.reconcile() == []


def test_the_reconciler_repairs_a_router_and_a_deleted_router_goes(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters, host: Host) -> None:
    port, router, floating = routed_instance(fleet)
    agent.catch_up()
    assert adapters.routers is not None
    inside = adapters.routers.namespace(router.id.hex)
    sh(inside, "nft", "flush", "table", "ip", "skyledger_router")  # by hand

    drifts = agent.reconcile()
    assert [(d.kind, d.key) for d in drifts] == [("router", router.id.hex)]
    assert agent.reconcile() == []  # repaired
    state = adapters.routers.state(router.id.hex)
    assert state is not None and ("dnat", floating.address, port["fixed_ip"]) in state.nat

    fleet.cloud.floating_ips.disassociate(USER, floating.id.hex)
    fleet.cloud.routers.remove_interface(USER, router.id.hex, None,
                                         router.interfaces[next(iter(router.interfaces))][
                                             "subnet_id"])
    fleet.cloud.routers.delete_router(USER, router.id.hex)
    agent.catch_up()
    assert adapters.routers.routers() == set()
    hosting: Any = fleet.cloud.app.repository.get(hosting_id(NODE))
    assert hosting.routers == set()
    assert agent.reconcile() == []


def test_a_router_taken_off_its_agent_goes_and_comes_back_when_added(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters) -> None:
    """Neutron's l3_agent_scheduler by hand: removed from the host's L3 agent, the router's
    namespace goes and no agent places it again on that event; added back, it runs again."""
    _, router, _ = routed_instance(fleet)
    fleet.cloud.network_agents.register(USER, NODE, {})
    l3 = str(agent_id(NODE, "L3 agent"))
    agent.catch_up()
    assert adapters.routers is not None
    assert adapters.routers.routers() == {router.id.hex}

    fleet.cloud.agent_scheduling.remove_router(USER, l3, router.id.hex)
    agent.catch_up()
    assert adapters.routers.routers() == set()
    assert fleet.cloud.routers.router(USER, router.id.hex).host is None  # not placed again
    assert agent.reconcile() == []  # nothing here needs it, nothing stray

    fleet.cloud.agent_scheduling.add_router(USER, l3, router.id.hex)
    agent.catch_up()
    assert adapters.routers.routers() == {router.id.hex}
    state = adapters.routers.state(router.id.hex)
    spec = agent.routers.desired()[router.id.hex] if agent.routers is not None else None
    assert state is not None and spec is not None and state.satisfies(spec)
    assert agent.reconcile() == []


# udhcpc runs this on a lease: the classless static routes (option 121) it was given.
UDHCPC_ROUTES = '#!/bin/sh\n[ "$1" = bound ] && echo "ROUTES $staticroutes"\nexit 0\n'


def test_dhcp_routes_a_guest_behind_a_router_to_the_metadata_service(
        fleet: Fleet, agent: NetworkAgent, host: Host, namespaces: Namespaces,
        tmp_path: Path) -> None:
    port, _, _ = routed_instance(fleet)
    instance_id = fleet.booted[-1]
    agent.catch_up()
    network: Any = fleet.cloud.app.repository.get(UUID(port["network_id"]))
    spec = network.primary_subnet()
    dhcp_ip, prefix = network.dhcp_addresses[spec.id], IPv4Network(spec.cidr).prefixlen
    guest = attach_guest(namespaces, host, f"brq{segment_of(fleet, port)}", port["mac"])
    script = tmp_path / "routes.sh"
    script.write_text(UDHCPC_ROUTES)
    script.chmod(0o755)
    offered = sh(guest, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "3", "-T",
                 "1", "-O", "staticroutes", "-s", str(script), check=False).stdout
    assert f"ROUTES 169.254.169.254/32 {dhcp_ip} 0.0.0.0/0 {spec.gateway_ip}" in offered
    # What a DHCP client does with that lease.
    ip(guest, "addr", "add", f"{port['fixed_ip']}/{prefix}", "dev", "eth0")
    ip(guest, "route", "add", "default", "via", spec.gateway_ip)
    ip(guest, "route", "add", "169.254.169.254/32", "via", dhcp_ip)
    stop = start_metadata_service(fleet.cloud.app, NODE, "nova", host.ns)
    try:
        status, body = get(guest, "/openstack/latest/meta_data.json")
        assert status == 200 and json.loads(body)["uuid"] == str(instance_id)
    finally:
        stop()


def test_the_agents_router_routes_ipv6_between_two_subnets(
        fleet: Fleet, agent: NetworkAgent, adapters: AgentAdapters, host: Host,
        namespaces: Namespaces) -> None:
    """IPv6 subnets of two networks joined to one router: the agent gives the router a leg on
    each (their gateway addresses, on the networks' bridges, forwarding on), and a namespace on
    each subnet pings the other's with ping -6 through it (addresses set by hand). The subnets
    are `slaac`: the router advertises them (radvd), so a namespace given no address at all
    takes its SLAAC address and default route from the router and reaches the other side."""
    port, router, _ = routed_instance(fleet)
    other = fleet.cloud.networks.create_network(USER, "p1", "other")
    fleet.cloud.subnets.create_subnet(USER, other.id.hex, SubnetRequest(cidr="10.51.7.0/24"))
    sides = []
    for network_id, cidr in ((port["network_id"], "2001:db8:50::/64"),
                             (other.id.hex, "2001:db8:51::/64")):
        before = set(fleet.cloud.app.repository.get(UUID(network_id)).subnets)
        fleet.cloud.subnets.create_subnet(USER, network_id, SubnetRequest(
            cidr=cidr, ip_version=6, ipv6_ra_mode="slaac", ipv6_address_mode="slaac"))
        network: Any = fleet.cloud.app.repository.get(UUID(network_id))
        [subnet6] = set(network.subnets) - before
        fleet.cloud.routers.add_subnet_interface(USER, router.id.hex, network_id, subnet6)
        sides.append((network.segmentation_id, cidr[:-3]))
    agent.catch_up()
    assert adapters.routers is not None
    state = adapters.routers.state(router.id.hex)
    spec = agent.routers.desired()[router.id.hex] if agent.routers is not None else None
    assert state is not None and spec is not None and state.satisfies(spec)
    guests = []
    for index, (sid, prefix) in enumerate(sides):
        guest = attach_guest(namespaces, host, f"brq{sid}", f"fa:16:3e:00:66:0{index}")
        ip(guest, "-6", "addr", "add", f"{prefix}10/64", "dev", "eth0", "nodad")
        ip(guest, "-6", "route", "add", "default", "via", f"{prefix}1")
        guests.append(guest)
    assert pings(guests[0], "2001:db8:51::10") and pings(guests[1], "2001:db8:50::10")
    assert agent.reconcile() == []
    assert state.advertising == {name for name in state.addresses if name.startswith("qr-")
                                 and any(a.version == 6 for a in state.addresses[name])}

    bare = attach_guest(namespaces, host, f"brq{sides[0][0]}", "fa:16:3e:00:66:09")
    assert slaac_address(bare, "2001:db8:50::/64") == "2001:db8:50:0:f816:3eff:fe00:6609"
    assert pings(bare, "2001:db8:51::10")  # by the default route the advertisement gave
