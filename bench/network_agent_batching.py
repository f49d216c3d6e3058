"""The network agent catching up on a churn of boots, deletes and floating-IP moves with M live
servers on its host: planned once per batch of notifications (the agent) versus once per event
(the agent as it was: `PerEventAgent` below), measured in one run on the same event log.

    python -m bench.network_agent_batching [--servers 30] [--churn 30] [--postgres [URL]]

A cloud on a scratch event store (SQLite in a temporary directory, or with --postgres a fresh
schema, dropped after, as bench/event_append.py makes) with an in-process compute worker on a
libvirt test-driver node;
the two agents run for the same host name in two scratch namespaces (bench/network.py's, VXLAN on
a veth), each with its own dnsmasq state directory, and both first catch up on the M boots
(not measured). Then each of `--churn` steps deletes a server, boots another, and moves a
floating IP; once the compute worker has settled them, each agent catches up, timed. Both hosts
must end holding the same segments, DHCP reservations and NAT rules (checked: a faster agent
that converges differently measures nothing). Planning loads the node and every live instance,
port and network on the host, so per event it costs events x servers aggregate loads.
Target (`python -m bench`, on PostgreSQL, where a load is a round trip): batched catch-up at
most 0.25 of the per-event one at 30 servers (measured here: about 0.1; the per-event side grows
with servers x events, the batched one with events plus servers per batch). Prints, never
asserts (beyond the equal hosts).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from bench.event_append import bench_pg, scratch_schema
from bench.figures import Figure
from bench.network import PHYS, scratch_namespace
from domain.compute.instance import Instance
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.process.compute.config import WorkerConfig
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from domain.process.network.drift import NetworkDriftService
from domain.services.compute.boot import BootRequest
from ops.bootstrap import Cloud, build
from ops.bootstrap import assemble_compute as assemble
from ops.progress import Progress
from ops.roles.compute import ComputeHost
from ops.roles.network_assembly import AgentAdapters
from ops.roles.network_assembly import agent_adapters as host_adapters

NODE = "bench-net-node"
TARGET_RATIO = 0.25
ADMIN = RequestContext(user_id="bench-admin", project_id="p-admin", roles=("admin", "member"))
USER = RequestContext(user_id="bench-user", project_id="p-bench", roles=("member", "reader"))
NETWORKS = 3


class PerEventAgent(NetworkAgent):
    """The agent as it was before planning per batch: every event plans afresh."""

    def handle(self, event: Any) -> bool:
        self.begin_batch()
        return super().handle(event)


class MemoryPositions:
    def __init__(self) -> None:
        self.saved: dict[str, int] = {}

    def get(self, name: str) -> int:
        return self.saved.get(name, 0)

    def save(self, name: str, position: int) -> None:
        self.saved[name] = max(position, self.saved.get(name, 0))


def wait_for(condition: Any, what: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextlib.contextmanager
def cloud_with_host(tmp: Path, database_url: str | None) -> Iterator[Cloud]:
    from adapters.settings import Settings

    settings = Settings(data_dir=tmp / "data", database_url=database_url
                        or f"sqlite:///{tmp / 'events.sqlite'}", admin_password="bench-secret",
                        public_url="http://bench", fast_hashing=True, segment_type="vxlan",
                        segmentation_range="700:799", tenant_supernet="10.60.0.0/16")
    cloud = build(settings, follow=False)
    node = tmp / "node.xml"
    node.write_text("<node><cpu><mhz>2000</mhz><model>i686</model><nodes>1</nodes><sockets>1"
                    "</sockets><cores>256</cores><threads>1</threads><active>256</active></cpu>"
                    f"<memory>{1 << 30}</memory></node>")
    hypervisor = LibvirtHypervisor(f"test://{node}", tmp / "instances", disk_gib=100000)
    config = WorkerConfig(host=NODE, cpu_ratio=1.0, ram_ratio=1.0, report_interval=0.5,
                          poll_interval=0.02, reconcile_interval=3600.0, stop_timeout=1.0)
    worker, liveness = assemble(cloud.app, cloud.store, cloud.capacity, cloud.blobs,
                                hypervisor, config)
    compute = ComputeHost(worker, liveness).start()
    try:
        wait_for(liveness.registered.is_set, "the compute host to register")
        yield cloud
    finally:
        compute.stop()
        hypervisor.close()
        cloud.close()


class Workload:
    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        cloud.flavors.create(ADMIN, "tiny", "tiny", 64, 1, 1, 0)
        cloud.quotas.set_limits(ADMIN, str(USER.project_id),
                                {"instances": -1, "cores": -1, "ram": -1})
        image = cloud.images.register(ADMIN, None, "img", "p-admin", "public", "raw", "bare",
                                      properties={})
        cloud.image_data.upload(ADMIN, image.id, iter([b"bench image"]), cloud.blobs, 1 << 30)
        self.image = image.id.hex
        project = str(USER.project_id)
        self.networks = [cloud.networks.create_network(USER, project, f"net{k}").id.hex
                         for k in range(NETWORKS)]
        self.floating = [cloud.floating_ips.allocate(USER, project).id.hex for _ in range(2)]
        self.servers: list[UUID] = []
        self.step_count = 0

    def boot(self) -> None:
        network = self.networks[len(self.servers) % NETWORKS]
        request = BootRequest(name="vm", flavor_ref="tiny", image_ref=self.image,
                              networks=(network,))
        self.servers += [i.id for i in self.cloud.boots.boot(USER, request)]

    def step(self) -> None:
        """Delete the oldest server, boot one, move a floating IP to the newest's port."""
        self.cloud.actions.delete(USER, self.servers.pop(0).hex)
        self.boot()
        self.settle()
        floating = self.floating[self.step_count % len(self.floating)]
        if self.cloud.app.repository.get(UUID(floating)).is_associated:
            self.cloud.floating_ips.disassociate(USER, floating)
        port = self.cloud.app.repository.get(self.servers[-1]).ports[0]["id"]
        self.cloud.floating_ips.associate(USER, floating, port)
        self.step_count += 1

    def settle(self) -> None:
        def done() -> bool:
            found: list[Instance] = [self.cloud.app.repository.get(s) for s in self.servers]
            return all(i.vm_state is VmState.ACTIVE and i.task_state is None for i in found)
        wait_for(done, "the servers to be active")


def make_agent(kind: type[NetworkAgent], cloud: Cloud, adapters: AgentAdapters) -> NetworkAgent:
    return kind(cloud.app, adapters.network, adapters.dhcp, adapters.nat, MemoryPositions(),
                NetworkDriftService(cloud.app), NetworkAgentConfig(host=NODE))


def holding(adapters: AgentAdapters) -> tuple[Any, ...]:
    segments = sorted(adapters.network.list_segments())
    dhcp = sorted(adapters.dhcp.running())
    return segments, dhcp, sorted(map(str, adapters.nat.list_rules()))


def measure(servers: int, churn: int, database_url: str | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sky-bench-agent-") as scratch, \
            cloud_with_host(Path(scratch), database_url) as cloud, \
            scratch_namespace() as ns_batched, scratch_namespace() as ns_per_event:
        tmp = Path(scratch)
        sides = {"batched": host_adapters("vxlan", PHYS, tmp / "dhcp-a", netns=ns_batched),
                 "per event": host_adapters("vxlan", PHYS, tmp / "dhcp-b", netns=ns_per_event)}
        try:
            agents = {"batched": make_agent(NetworkAgent, cloud, sides["batched"]),
                      "per event": make_agent(PerEventAgent, cloud, sides["per event"])}
            work = Workload(cloud)
            with Progress(servers, "booting", unit="servers") as bar:
                for done in range(servers):
                    work.boot()
                    bar.update(done + 1)
            work.settle()
            for agent in agents.values():
                agent.catch_up()
            start = cloud.app.head()
            with Progress(churn, "churn", unit="steps") as bar:
                for done in range(churn):
                    work.step()
                    bar.update(done + 1)
            work.settle()
            events = len(cloud.app.recorder.select_notifications(
                start=start + 1, limit=1 << 30, stop=cloud.app.head(),
                topics=NetworkAgent.topics))
            times: dict[str, float] = {"events": events}
            for name, agent in agents.items():
                plans, began = agent.plans, time.perf_counter()
                agent.catch_up()
                times[name] = time.perf_counter() - began
                times[f"{name} plans"] = agent.plans - plans
            if holding(sides["batched"]) != holding(sides["per event"]):
                raise RuntimeError(f"the hosts differ: {holding(sides['batched'])} vs "
                                   f"{holding(sides['per event'])}")
            return times
        finally:
            for adapters in sides.values():
                for network_id in adapters.dhcp.running():
                    adapters.dhcp.stop(network_id)
                adapters.network.close()


def report(servers: int, times: dict[str, float]) -> str:
    return "\n".join([
        f"{servers} live servers, {times['events']:.0f} events for the agent to catch up on",
        f"  per event: {times['per event']:7.3f} s  ({times['per event plans']:.0f} plans)",
        f"  batched:   {times['batched']:7.3f} s  ({times['batched plans']:.0f} plans)",
        f"  ratio batched / per event: {times['batched'] / times['per event']:.2f}"
        " (below 1: batching is faster)"])


def figures(quick: bool) -> list[Figure]:
    """For `python -m bench`: batched over per-event catch-up time, 30 servers, PostgreSQL
    (SKYLEDGER_BENCH_PG)."""
    with scratch_schema(bench_pg()) as url:
        times = measure(30, 10 if quick else 30, url)
    print(report(30, times))
    return [Figure("network agent catch-up, 30 servers, batched/per-event time",
                   times["batched"] / times["per event"], "x", TARGET_RATIO)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.network_agent_batching",
        description="Time the network agent catching up on a churn of boots, deletes and "
                    "floating-IP moves with M live servers on its host, planning once per batch "
                    "and once per event, in one run, in scratch namespaces. Needs root.")
    p.add_argument("--servers", type=int, default=30, metavar="M",
                   help="live servers on the host (default 30)")
    p.add_argument("--churn", type=int, default=30, metavar="N",
                   help="steps of delete + boot + floating-IP move (default 30)")
    p.add_argument("--postgres", nargs="?", const=bench_pg() or "",
                   default=None, metavar="URL",
                   help="event store on PostgreSQL: a fresh schema in URL's database (default "
                        "$SKYLEDGER_BENCH_PG, else 'postgres' at 127.0.0.1), dropped after (a URL "
                        "with ?schema= is used as given); without this option, SQLite in a "
                        "temporary directory")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers, churn = max(1, args.servers), max(1, args.churn)
    if args.postgres is None:
        print(report(servers, measure(servers, churn)))
        return 0
    with scratch_schema(args.postgres or None) as url:
        print(report(servers, measure(servers, churn, url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
