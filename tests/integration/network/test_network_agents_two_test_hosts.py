"""The network agent on VLAN for real, across two hosts: two test hosts (tests/hosts/), hv-a and
hv-b, each run `skyledger network-agent` with segment type vlan on their trunk NIC, against the
test's PostgreSQL schema, reached over a management segment in a test namespace
(tests/hosts/management.py). The test drives the cloud from here, with the domain services and
an in-process compute worker per host (libvirt's test driver) on the same schema: two projects'
networks on VLANs 100 and 200, and a server of each project on each host.

Once both agents have acted on the log up to the boots (their tracked positions), the guests
(agent_trunk_guest.py) plug a namespace per port into the bridge the agent made, named as the
port's tap: each gets its port's address from the agent's dnsmasq, the same project reaches
across the hosts, a probe holding an address in the other VLAN's subnet gets nothing, and QEMU's
capture of the trunk shows the frames tagged with their network's VLAN id.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import pytest

from domain.compute.instance import Instance
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.services.compute.boot import BootRequest
from tests.hosts.image import REPO, HostImage
from tests.hosts.machine import HostVM, Nic, TapNic, Wire, wire_directory
from tests.hosts.management import ManagementSegment, management_segment
from tests.support.fleet import Fleet
from tests.support.pcap import frames
from tests.support.waiting import wait_for

pytestmark = pytest.mark.test_host

HOSTS = ("hv-a", "hv-b")
VLANS = (100, 200)
PROJECTS = {vlan: RequestContext(user_id=f"u-{vlan}", project_id=f"p-vlan{vlan}",
                                 roles=("member", "reader")) for vlan in VLANS}
SUPERNET, SEGMENTS = "10.42.0.0/16", "100:200"
# Both guests boot, import the agent and catch up on the log under TCG, two at once.
AGENTS_TIMEOUT_S, RUN_TIMEOUT_S = 1200.0, 600.0


def trunk_mac(number: int) -> str:
    return f"52:54:00:aa:01:{number:02x}"


def mgmt_mac(number: int) -> str:
    return f"52:54:00:aa:02:{number:02x}"


@pytest.fixture
def fleet(pg_schema_url: str, tmp_path: Path) -> Iterator[Fleet]:
    from ops.bootstrap import build
    from tests.support.settings import make_settings

    settings = make_settings(tmp_path / "data", pg_schema_url, segment_type="vlan",
                             segmentation_range=SEGMENTS, tenant_supernet=SUPERNET)
    cloud = build(settings, follow=False)
    running = Fleet(cloud, tmp_path)
    try:
        running.seed()
        for host in HOSTS:
            running.add_host(host)
        yield running
    finally:
        running.close()
        cloud.close()


def boot_both_projects(fleet: Fleet) -> list[dict[str, Any]]:
    """A network per project on its VLAN and a server of it on each host: their ports."""
    cloud, ports = fleet.cloud, []
    for vlan, ctx in PROJECTS.items():
        network = cloud.networks.create_network(ctx, str(ctx.project_id), f"net{vlan}",
                                                cidr=f"10.42.{vlan}.0/24", segmentation_id=vlan)
        booted: list[Instance] = []
        for host in HOSTS:
            request = BootRequest(name=f"{host}-{vlan}", flavor_ref="small", image_ref=fleet.image,
                                  networks=(network.id.hex,),
                                  different_host=tuple(i.id.hex for i in booted))
            (instance,) = cloud.boots.boot(ctx, request)
            booted.append(fleet.wait_until(instance.id, VmState.ACTIVE))
        for instance in booted:
            (port,) = instance.ports
            ports.append({"host": instance.host, "vlan": network.segmentation_id,
                          "bridge": f"brq{network.segmentation_id}", "id": port["id"],
                          "mac": port["mac"].lower(),
                          "address": f"{port['fixed_ip']}/{IPv4Network(network.cidr).prefixlen}"})
    assert sorted((p["host"], p["vlan"]) for p in ports) == [
        (host, vlan) for host in HOSTS for vlan in VLANS], ports
    return ports


def guest_command(role: str, number: int, segment: ManagementSegment) -> str:
    env = {"SKYLEDGER_DATABASE_URL": segment.database_url, "SKYLEDGER_HOST": role,
           "SKYLEDGER_SEGMENTATION_RANGE": SEGMENTS, "SKYLEDGER_TENANT_SUPERNET": SUPERNET,
           # Python under TCG on a loaded machine may take longer than the default 1 s to open
           # a connection, which would fail the agent's start.
           "SKYLEDGER_DATABASE_POOL_TIMEOUT": "20", "PYTHONPATH": str(REPO)}
    return " ".join([f"cd {shlex.quote(str(REPO))} &&",
                     *(f"{name}={shlex.quote(value)}" for name, value in env.items()),
                     shlex.quote(sys.executable), "-m",
                     "tests.integration.network.agent_trunk_guest", role, "/run/testhost",
                     trunk_mac(number), mgmt_mac(number), segment.address(10 + number)])


def test_network_agents_join_each_project_on_its_vlan_across_hosts(
        test_host_image: HostImage, network_tools: None, fleet: Fleet, tmp_path: Path) -> None:
    from adapters.positions import ProcessPositions

    share, trunk_capture = tmp_path / "share", tmp_path / "trunk.pcap"
    share.mkdir()
    ports = boot_both_projects(fleet)
    logged_up_to = fleet.cloud.app.head()
    taps = [f"tap-{host}" for host in HOSTS]
    with wire_directory() as sockets, \
            management_segment(taps, fleet.cloud.settings.database_url) as segment:
        trunk = Wire(sockets, "trunk")
        vms = [HostVM(test_host_image, host, share,
                      [Nic(trunk, index, trunk_mac(index + 1),
                           pcap=trunk_capture if index == 0 else None),
                       TapNic(segment.netns, taps[index], mgmt_mac(index + 1))])
               for index, host in enumerate(HOSTS)]
        with vms[0], vms[1]:
            for index, vm in enumerate(vms):
                vm.start(guest_command(vm.name, index + 1, segment))

            def details() -> str:
                return "\n".join(f"--- {vm.name}\n{vm.console()[-3000:]}\n--- its agent\n"
                                 f"{agent_log(share, vm.name)}" for vm in vms)

            positions = ProcessPositions(fleet.cloud.store)
            wait_for(lambda: all(positions.get(f"network-agent:{host}") >= logged_up_to
                                 for host in HOSTS),
                     "both network agents to act on the boots", AGENTS_TIMEOUT_S, details)
            (share / "plan.json").write_text(json.dumps({"ports": ports}))
            for vm in vms:
                assert vm.wait(RUN_TIMEOUT_S) == 0, details()

    found = {host: json.loads((share / f"{host}.json").read_text()) for host in HOSTS}
    for host in HOSTS:
        # The agent made each network's segment a VLAN of the trunk with the network's id.
        assert found[host]["segments"] == {
            str(vlan): [{"ifname": f"trunk0.{vlan}", "link": "trunk0", "kind": "vlan",
                         "id": vlan}] for vlan in VLANS}, found[host]
        # And its dnsmasq offered each namespace-guest its port's address.
        for port in (p for p in ports if p["host"] == host):
            offered = found[host]["leases"][port["id"]] or ""
            assert f"ip={port['address'].split('/')[0]} " in offered, (port, offered)
    other_project = {vlan: next(p for p in ports if p["host"] == "hv-b" and p["vlan"] != vlan)
                     for vlan in VLANS}
    peer = {vlan: next(p for p in ports if p["host"] == "hv-b" and p["vlan"] == vlan)
            for vlan in VLANS}
    assert found["hv-a"]["checks"] == {
        **{f"{vlan} reaches {address(peer[vlan])}": True for vlan in VLANS},
        **{f"{vlan} cannot reach {address(other_project[vlan])}": True for vlan in VLANS}}

    on_the_wire = frames(trunk_capture)
    echoes = {(frame.vlan, frame.source, frame.destination)
              for frame in on_the_wire if frame.kind == "icmp"}
    for vlan in VLANS:  # request and reply, both tagged with their network's VLAN
        here = next(IPv4Address(address(p)) for p in ports
                    if p["host"] == "hv-a" and p["vlan"] == vlan)
        there = IPv4Address(address(peer[vlan]))
        assert {(vlan, here, there), (vlan, there, here)} <= echoes, echoes
        # The probe's ARP for the other project's guest went out tagged with this VLAN, and
        # nothing of that guest's came back on it.
        target = IPv4Address(address(other_project[vlan]))
        asked = [frame for frame in on_the_wire
                 if frame.kind == "arp" and frame.destination == target and frame.vlan == vlan]
        assert asked, f"no ARP for {target} on VLAN {vlan}"
        assert not [frame for frame in on_the_wire
                    if frame.vlan == vlan and frame.source == target]
    untagged = [frame for frame in on_the_wire if frame.vlan is None and frame.kind != "other"]
    assert not untagged, f"IPv4 or ARP frames on the trunk without a tag: {untagged}"


def address(port: dict[str, Any]) -> str:
    return str(port["address"]).split("/")[0]


def agent_log(share: Path, host: str) -> str:
    log = share / f"{host}.agent.log"
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(none yet)"
