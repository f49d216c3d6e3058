"""The network agent `skyledger serve` runs in-process when asked (SKYLEDGER_EMBEDDED_NETWORK),
here inside the network host the Tempest harness makes (ops/tempest/network_host.py): it
registers as the host's DHCP agent, serves a network scheduled to it with a bridge and dnsmasq
in that namespace only, and when the cloud and the host are gone nothing of it is left: no
namespace, no process, and none of its links among the machine's own interfaces."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from domain.context import RequestContext
from domain.network.agent import agent_id
from domain.network.subnet_build import SubnetRequest
from ops.bootstrap import build
from ops.embedded import start_embedded_network
from ops.tempest.network_host import network_host
from tests.support.settings import make_settings
from tests.support.waiting import wait_for

ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin", "member", "reader"))


def links(netns: str | None = None) -> set[str]:
    argv = ["ip", *(["-n", netns] if netns else []), "-o", "link", "show"]
    lines = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()
    return {line.split(":")[1].strip().split("@")[0] for line in lines}


def netns_pids(netns: str) -> set[int]:
    listed = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True)
    return {int(pid) for pid in listed.stdout.split()}


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_the_embedded_agent_stays_in_its_own_namespace(database_url: str,
                                                       tmp_path: Path) -> None:
    own = links()
    with network_host() as env:
        netns = env["SKYLEDGER_NETWORK_NAMESPACE"]
        settings = make_settings(
            tmp_path / "data", database_url, host="tempest-host", report_interval=0.5,
            embedded_compute=False, embedded_volume=False, embedded_network=True,
            network_namespace=netns, segment_type="vxlan",
            physical_interface=env["SKYLEDGER_PHYSICAL_INTERFACE"],
            router_namespace_prefix=env["SKYLEDGER_ROUTER_NAMESPACE_PREFIX"])
        cloud = build(settings, follow=False)
        try:
            assert start_embedded_network(cloud) is not None
            dhcp = wait_for(lambda: cloud.app.find(agent_id("tempest-host", "DHCP agent")),
                            "the DHCP agent to register")
            network: Any = cloud.networks.create_network(ADMIN, "admin", "served", carve=False)
            cloud.subnets.create_subnet(ADMIN, network.id.hex, SubnetRequest(cidr="10.61.0.0/24"))
            cloud.agent_scheduling.add_network(ADMIN, dhcp.id.hex, network.id.hex)
            bridge = f"brq{network.segmentation_id}"
            wait_for(lambda: bridge in links(netns), f"{bridge} in {netns}")
            served = wait_for(lambda: netns_pids(netns), "dnsmasq in the namespace")
        finally:
            cloud.close()
    assert not any(alive(pid) for pid in served)
    assert netns not in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                       text=True).stdout
    # Others may change the machine meanwhile: none of this agent's links is among the new.
    assert not (links() - own) & {bridge, f"vx{network.segmentation_id}", "phys0", "phys1"}


def test_no_embedded_agent_unless_asked(database_url: str, tmp_path: Path) -> None:
    cloud = build(make_settings(tmp_path / "data", database_url), follow=False)
    try:
        assert start_embedded_network(cloud) is None
    finally:
        cloud.close()
