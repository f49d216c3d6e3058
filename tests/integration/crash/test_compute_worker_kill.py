"""`skyledger compute` SIGKILLed at random moments while 100 servers boot and a third of them
are deleted: every restart resumes from the tracked position, and the host converges.

The API side (boot, delete) runs in the test process on a PostgreSQL schema of its own; the
worker is an OS process on libvirtd's test driver (`test+unix:///default`), so guests outlive
each worker the way real ones outlive a crashed nova-compute. The libvirtd is shared with other
tests: only guests named after this test's instances count.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import libvirt
import pytest

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from adapters.positions import ProcessPositions
from domain.compute.backends import GuestState
from domain.compute.node import ComputeNode, node_id
from domain.compute.states import VmState
from domain.process.compute.config import WorkerConfig
from domain.process.compute.liveness import Liveness
from ops.bootstrap import Cloud, build
from projections.quotas import QuotaViews
from projections.servers import ServerViews
from tests.integration.crash.killer import Killer, seeded_random
from tests.support.fleet import ADMIN, USER, Fleet, start_worker
from tests.support.settings import make_settings
from tests.support.waiting import wait_for

URI = "test+unix:///default"
SERVERS = 100
CONVERGE_S = 60.0
BUSY = " instance "  # what the worker logs as it starts on one (domain/process/compute/worker.py)
READY = "following the event log"  # what `skyledger compute` prints once it runs


@pytest.fixture
def crash_fleet(pg_schema_url: str, tmp_path: Path) -> Iterator[Fleet]:
    cloud: Cloud = build(make_settings(tmp_path / "data", pg_schema_url,
                                       service_down_time=60.0), follow=False)
    fleet = Fleet(cloud, tmp_path)
    fleet.seed()
    # 100 guests must fit the test driver's node (16 vCPUs, 3 GiB at the default ratios).
    cloud.flavors.create(ADMIN, "tiny", "tiny", 16, 1, 1, 0)
    cloud.quotas.set_limits(ADMIN, str(USER.project_id),
                            {"instances": 200, "cores": 200, "ram": 100_000})
    yield fleet
    fleet.close()
    cloud.close()


def guest_names(uri: str) -> Counter[str]:
    """Every domain on the libvirtd, by name: a duplicate would show as a count above one."""
    conn = libvirt.open(uri)
    try:
        return Counter(dom.name() for dom in conn.listAllDomains(0))
    finally:
        conn.close()


def boot_and_delete(fleet: Fleet, killer: Killer, rng: random.Random
                    ) -> tuple[list[UUID], list[UUID]]:
    """Boots SERVERS one request at a time, spread out while the kills last so that they land
    in the middle of the worker's work. Every third server is deleted: half at once (still
    building), the rest a few boots later (active by then, or not if its worker died first).
    Returns (kept, deleted)."""
    kept: list[UUID] = []
    doomed: list[UUID] = []
    later: dict[int, list[UUID]] = {}  # boot index -> servers to delete then
    for index in range(SERVERS):
        for server in later.pop(index, []):
            fleet.cloud.actions.delete(USER, server.hex)
        (server,) = fleet.boot(flavor="tiny", networks="none")
        if index % 3:
            kept.append(server)
        else:
            doomed.append(server)
            if rng.random() < 0.5:
                fleet.cloud.actions.delete(USER, server.hex)
            else:
                later.setdefault(index + rng.randint(1, 10), []).append(server)
        if killer.killed < killer.planned:
            time.sleep(rng.uniform(0.03, 0.15))
    for servers in later.values():
        for server in servers:
            fleet.cloud.actions.delete(USER, server.hex)
    return kept, doomed


def converged(fleet: Fleet, kept: list[UUID], doomed: list[UUID]) -> bool:
    for server in kept:
        instance = fleet.instance(server)
        if instance.vm_state is VmState.ERROR:
            raise AssertionError(f"{server} went to ERROR: {instance.fault}")
        if instance.vm_state is not VmState.ACTIVE or instance.task_state is not None:
            return False
    return all(fleet.instance(server).deleted for server in doomed)


def assert_host_matches(fleet: Fleet, hv: LibvirtHypervisor, host: str, kept: list[UUID],
                        doomed: list[UUID], state_dir: Path) -> None:
    ours = set(kept) | set(doomed)
    names = guest_names(URI)
    guests = {g: s for g, s in hv.list_guests().items() if g in ours}
    assert set(guests) == set(kept), ("orphans", set(guests) - set(kept),
                                      "missing", set(kept) - set(guests))
    assert all(names[str(g)] == 1 for g in kept)
    assert all(state is GuestState.RUNNING for state in guests.values())
    # The test driver makes no disks, but a guest's files would live here (libvirt_driver.py).
    leftovers = {p.name for p in state_dir.iterdir() if p.is_dir()} if state_dir.exists() else set()
    assert leftovers <= {str(g) for g in kept}, leftovers

    fleet.check_ledgers()  # quota ledger and the node's claims equal the live instances
    node: ComputeNode = fleet.cloud.app.repository.get(node_id(host))
    assert set(node.claims) == {g.hex for g in kept}
    assert fleet.cloud.capacity.hosts()[host].instances == {g.hex for g in kept}

    fleet.cloud.sync_read_models()
    servers = ServerViews(fleet.cloud.store)
    assert {UUID(s["id"]) for s in servers.list({"host": host})} == set(kept)
    assert all(servers.get(g.hex) is None and servers.get(g.hex, include_deleted=True)
               for g in doomed)
    usage = QuotaViews(fleet.cloud.store).usage(str(USER.project_id))
    assert (usage["instances"], usage["cores"], usage["ram"]) == (len(kept), len(kept),
                                                                 16 * len(kept))


def test_a_worker_killed_at_random_while_100_servers_boot_and_go_converges(
        crash_fleet: Fleet, pg_schema_url: str, tmp_path: Path, libvirtd: None) -> None:
    fleet, rng = crash_fleet, seeded_random("compute worker kills")
    host = f"crash-{uuid.uuid4().hex[:8]}"
    state_dir, log = tmp_path / "state", tmp_path / "worker.log"
    kept: list[UUID] = []
    doomed: list[UUID] = []
    with LibvirtHypervisor(URI, state_dir) as hv:
        Liveness(fleet.cloud.hosts, hv, WorkerConfig(host=host)).register()
        ProcessPositions(fleet.cloud.store)  # its table: whoever comes first makes it
        killer = Killer(lambda: start_worker(fleet, pg_schema_url, host, URI, state_dir, log),
                        rng, kills=rng.randint(4, 6), log=log, ready_marker=READY,
                        interval_s=(0.2, 1.0), busy_marker=BUSY)
        try:
            with killer:
                kept, doomed = boot_and_delete(fleet, killer, random.Random(rng.random()))
                killer.wait_for_all_kills()
            print(f"{killer.killed} kills, {killer.mid_action} just after an action began")
            wait_for(lambda: converged(fleet, kept, doomed), "the host to converge",
                     timeout_s=CONVERGE_S)
            assert_host_matches(fleet, hv, host, kept, doomed, state_dir)
            assert killer.stop() == 0, log.read_text()[-4000:]
        finally:
            killer.stop()
            for server in kept + doomed:
                hv.destroy(server)
