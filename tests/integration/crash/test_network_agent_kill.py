"""`skyledger network-agent` SIGKILLed at random moments while networks, servers on them and
floating IPs come and go: each restart resumes from its tracked position (and reconciles), and
the host namespace ends holding exactly what the live networks need, then nothing at all.

The host is a namespace the test makes (VXLAN segments on its veth "physical" interface: this
kernel lacks 802.1Q); the API side and an in-process compute worker (libvirt test driver) run in
the test process on a PostgreSQL schema of its own. A small segmentation range makes deleted
networks' ids come back for new ones, on a host where the old segment may still stand.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from uuid import UUID

import pytest

from domain.context import RequestContext
from domain.network.errors import NetworkInUse
from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.services.compute.boot import BootRequest
from ops.bootstrap import Cloud, build
from ops.roles.network import dhcp_dir_for
from tests.integration.crash.host_network import HostState, read_host
from tests.integration.crash.killer import Killer, seeded_random
from tests.support.fleet import ADMIN, Fleet
from tests.support.network_namespaces import Host
from tests.support.settings import make_settings
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[3]
NODE = "crash-net-node"
READY = "skyledger network-agent: host"
BUSY = f"host {NODE}: "  # the agent logs a removal (of DHCP, a segment, NAT) as it starts it
PROJECTS = [RequestContext(user_id=f"u{k}", project_id=f"pn{k}", roles=("member", "reader"))
            for k in range(3)]
SEGMENTS = "300:305"  # six ids for up to six live networks: deleted ones' ids come back
CONVERGE_S = 120.0  # a guard against a hang, not a speed target: restarts are slow under load
MAX_SERVERS = 30  # live at once: the host (64 vCPUs) has room for them and those going


@pytest.fixture
def net_fleet(pg_schema_url: str, tmp_path: Path) -> Iterator[Fleet]:
    settings = make_settings(tmp_path / "data", pg_schema_url, segment_type="vxlan",
                             segmentation_range=SEGMENTS, tenant_supernet="10.41.0.0/16")
    cloud: Cloud = build(settings, follow=False)
    fleet = Fleet(cloud, tmp_path)
    fleet.seed()
    for ctx in PROJECTS:
        cloud.quotas.set_limits(ADMIN, str(ctx.project_id), {"instances": -1, "cores": -1,
                                                              "ram": -1})
    fleet.add_host(NODE, vcpus=64, memory_mib=65536, reconcile_interval=3600.0)
    yield fleet
    fleet.close()
    cloud.close()


def start_agent(fleet: Fleet, database_url: str, host: Host, log: Path
                ) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SKYLEDGER_DATABASE_URL": database_url,
           "SKYLEDGER_DATA_DIR": str(fleet.cloud.settings.data_dir),
           "SKYLEDGER_SEGMENT_TYPE": "vxlan", "SKYLEDGER_SEGMENTATION_RANGE": SEGMENTS,
           "SKYLEDGER_PHYSICAL_INTERFACE": host.phys, "SKYLEDGER_TENANT_SUPERNET": "10.41.0.0/16"}
    command = [sys.executable, "-m", "ops.cli", "network-agent", "--host", NODE,
               "--netns", host.ns, "--log-level", "info"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


@dataclass
class Churn:
    """Networks, servers and floating IPs of a few projects, changed at random."""

    fleet: Fleet
    rng: random.Random
    networks: dict[str, list[str]] = field(default_factory=dict)  # project -> network ids
    servers: dict[UUID, RequestContext] = field(default_factory=dict)  # not asked to go
    floating: dict[str, list[str]] = field(default_factory=dict)  # project -> floating ids
    operations: Counter[str] = field(default_factory=Counter)

    @property
    def cloud(self) -> Cloud:
        return self.fleet.cloud

    def step(self) -> None:
        ctx = self.rng.choice(PROJECTS)
        project = str(ctx.project_id)
        mine = self.networks.setdefault(project, [])
        choice = self.rng.random()
        if not mine or (choice < 0.1 and sum(map(len, self.networks.values())) < 5):
            mine.append(self.cloud.networks.create_network(ctx, project, "net").id.hex)
            self.operations["network created"] += 1
        elif choice < 0.45 and len(self.servers) < MAX_SERVERS:
            self.boot(ctx, self.rng.choice(mine))
        elif choice < 0.7 and self.servers:
            server = self.rng.choice(sorted(self.servers))
            self.cloud.actions.delete(self.servers.pop(server), server.hex)
            self.operations["server deleted"] += 1
        elif choice < 0.85:
            self.move_floating(ctx)
        else:
            self.delete_network(ctx, mine)

    def boot(self, ctx: RequestContext, network_id: str) -> None:
        request = BootRequest(name="vm", flavor_ref="small", image_ref=self.fleet.image,
                              networks=(network_id,))
        (instance,) = self.cloud.boots.boot(ctx, request)
        self.fleet.booted.append(instance.id)
        self.servers[instance.id] = ctx
        self.operations["server booted"] += 1

    def move_floating(self, ctx: RequestContext) -> None:
        """Associates one of the project's floating IPs (allocated on first need) with one of
        its live servers' ports, or takes it off again."""
        project = str(ctx.project_id)
        ids = self.floating.setdefault(project, [])
        if not ids:
            ids.append(self.cloud.floating_ips.allocate(ctx, project).id.hex)
        floating_id = self.rng.choice(ids)
        floating: FloatingIp = self.cloud.app.repository.get(UUID(floating_id))
        ours = [s for s, c in self.servers.items() if c is ctx]
        if floating.is_associated or not ours:
            if floating.is_associated:
                self.cloud.floating_ips.disassociate(ctx, floating_id)
                self.operations["floating ip disassociated"] += 1
            return
        port = self.fleet.instance(self.rng.choice(sorted(ours))).ports[0]["id"]
        self.cloud.floating_ips.associate(ctx, floating_id, port)
        self.operations["floating ip associated"] += 1

    def delete_network(self, ctx: RequestContext, mine: list[str]) -> None:
        network_id = self.rng.choice(mine)
        try:
            self.cloud.networks.delete_network(ctx, network_id)
        except NetworkInUse:
            return  # its servers' ports are not all gone yet: a refusal, as the API gives
        mine.remove(network_id)
        self.operations["network deleted"] += 1

    def delete_everything(self) -> None:
        for server, ctx in sorted(self.servers.items()):
            self.cloud.actions.delete(ctx, server.hex)
        self.servers.clear()
        wait_for(lambda: all(self.fleet.instance(i).deleted for i in self.fleet.booted),
                 "every server to be deleted")
        for project, ids in self.floating.items():
            ctx = next(c for c in PROJECTS if c.project_id == project)
            for floating_id in ids:
                self.cloud.floating_ips.release(ctx, floating_id)
        for project, ids in self.networks.items():
            ctx = next(c for c in PROJECTS if c.project_id == project)
            for network_id in ids:
                self.cloud.networks.delete_network(ctx, network_id)
        self.networks.clear()


def expected(churn: Churn) -> HostState:
    """What the live servers on the host need, from the aggregates alone (not network_plans)."""
    fleet, app = churn.fleet, churn.fleet.cloud.app
    live = [i for i in map(fleet.instance, fleet.booted) if not i.deleted and i.host == NODE]
    network_ids = {p["network_id"] for i in live for p in i.ports}
    networks: list[Network] = [app.repository.get(UUID(n)) for n in network_ids]
    sids = frozenset(n.segmentation_id for n in networks)
    ports = {UUID(p["id"]) for i in live for p in i.ports}
    floating = [app.repository.get(UUID(f)) for ids in churn.floating.values() for f in ids]
    nat = frozenset(IPv4Address(f.address) for f in floating
                    if not f.deleted and f.port_id and UUID(f.port_id) in ports)
    reservations: dict[str, set[str]] = {n.id.hex: set() for n in networks}
    for port in (p for i in live for p in i.ports):
        reservations[UUID(port["network_id"]).hex].add(f"{port['mac'].lower()},{port['fixed_ip']}")
    return HostState(sids, {sid: f"brq{sid}" for sid in sids},
                     Counter(dict.fromkeys(reservations, 1)),
                     {n: frozenset(r) for n, r in reservations.items()}, (), nat)


def normalised(state: HostState) -> HostState:
    """Dnsmasq directories are named by network id in hex or dashed form: make them hex."""
    return HostState(state.bridges, state.segments,
                     Counter({UUID(k).hex: v for k, v in state.dnsmasq.items()}),
                     {UUID(k).hex: v for k, v in state.reservations.items()},
                     state.strangers, state.nat)


def settled(churn: Churn, host: Host) -> tuple[HostState, HostState]:
    """(what the host holds, what it should): equal once the agent has caught up. Each server's
    deletion is waited for first, as the host must follow the recorded state, not requests."""
    wait_for(lambda: all(churn.fleet.instance(i).deleted for i in churn.fleet.booted
                         if i not in churn.servers), "requested deletions to complete")
    want = expected(churn)
    holding: list[HostState] = []

    def matches() -> bool:
        holding[:] = [normalised(read_host(host.ns))]
        return holding[0] == want

    with contextlib.suppress(AssertionError):  # the caller's comparison says what differs
        wait_for(matches, "the host to hold exactly what the live networks need",
                 timeout_s=CONVERGE_S)
    return holding[0], want


def test_an_agent_killed_at_random_leaves_the_host_exactly_as_the_live_networks_need(
        net_fleet: Fleet, pg_schema_url: str, host: Host, tmp_path: Path) -> None:
    fleet, rng = net_fleet, seeded_random("network agent kills")
    churn = Churn(fleet, random.Random(rng.random()))
    log = tmp_path / "agent.log"
    stop = threading.Event()
    errors: list[str] = []

    def churn_until_stopped() -> None:
        try:
            while not stop.is_set():
                churn.step()
                stop.wait(churn.rng.uniform(0.0, 0.08))
        except Exception:  # noqa: BLE001 - the test fails with it below
            errors.append(traceback.format_exc())

    churning = threading.Thread(target=churn_until_stopped, name="churn", daemon=True)
    killer = Killer(lambda: start_agent(fleet, pg_schema_url, host, log), rng,
                    kills=rng.randint(4, 6), log=log, ready_marker=READY, busy_marker=BUSY)
    began = time.monotonic()
    try:
        churning.start()
        with killer:
            killer.wait_for_all_kills()
        stop.set()
        churning.join(30)
        assert not churning.is_alive()
        assert not errors, errors[0]
        print(f"{killer.killed} kills, {killer.mid_action} as a removal began, in"
              f" {time.monotonic() - began:.1f} s; {dict(churn.operations)}")
        began = time.monotonic()
        holding, want = settled(churn, host)
        assert holding == want, f"host: {holding.summary()}\nwant: {want.summary()}"
        print(f"converged in {time.monotonic() - began:.1f} s to {holding.summary()}")

        began = time.monotonic()
        churn.delete_everything()
        holding, want = settled(churn, host)
        print(f"emptied in {time.monotonic() - began:.1f} s")
        assert want == HostState(frozenset(), {}, Counter(), {}, (), frozenset())
        assert holding == want, f"host: {holding.summary()}"
        assert killer.stop() == 0, log.read_text()[-4000:]
        assert read_host(host.ns).strangers == ()  # nothing the agent ran outlived it
        # Nor any network's DHCP state (config, hosts, leases, log), a kill mid-stop included.
        state = dhcp_dir_for(fleet.cloud.settings, NODE)
        assert not state.exists() or sorted(p.name for p in state.iterdir()) == []
    finally:
        stop.set()
        killer.stop()
