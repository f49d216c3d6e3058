"""`skyledger compute` as an OS process: killed mid-spawn, restarted, it converges.

The kill must land after a side effect and before its outcome is recorded. That is made
deterministic, not lucky: the test holds a write lock on the event store (reads go on), so the
worker reads its claims and spawns the first guest, then blocks recording `Spawned`. The test
sees that guest appear in the hypervisor, SIGKILLs the worker, releases the lock and starts a new
one, which must finish the job with exactly one guest per instance.

The hypervisor must outlive the worker process, so these run against libvirtd: its test driver
(`test+unix:///default`) always, real QEMU (`qemu:///system`, which also makes disks) when
`-m qemu` tests run.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from adapters.hypervisor.base_images import BASE_DIR
from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from adapters.persistence import Database
from adapters.positions import ProcessPositions
from domain.compute.backends import GuestState
from domain.compute.node import node_id
from domain.compute.states import VmState
from domain.process.compute.config import WorkerConfig
from domain.process.compute.liveness import Liveness
from ops.bootstrap import Cloud
from tests.support.fleet import Fleet, start_worker
from tests.support.hypervisor import write_node_file
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[3]
URIS = [pytest.param("test+unix:///default", id="libvirtd-test-driver"),
        pytest.param("qemu:///system", id="qemu", marks=pytest.mark.qemu)]


def test_help_describes_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "ops.cli", "compute", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for option in ("--host", "--libvirt-uri", "--availability-zone", "SIGTERM"):
        assert option in result.stdout


@contextmanager
def event_store_write_lock(cloud: Cloud, database_url: str) -> Iterator[None]:
    """Every write to the event store waits while this is held; reads do not."""
    database = Database(database_url)
    if database.is_postgres:
        with postgres_share_lock(cloud, database):
            yield
        return
    conn = sqlite3.connect(database.sqlite_path(), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextmanager
def postgres_share_lock(cloud: Cloud, database: Database) -> Iterator[None]:
    # SHARE mode: inserts (and the insert function's EXCLUSIVE lock) wait, while opening the
    # application (CREATE ... IF NOT EXISTS) and reading the log do not.
    table_name: str = cloud.app.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(database.conninfo()) as conn:
        table = Identifier(database.pg_parts()["schema"], table_name)
        conn.execute(SQL("LOCK TABLE {} IN SHARE MODE").format(table))
        try:
            yield
        finally:
            conn.rollback()


def blank_qcow2(tmp_path: Path) -> bytes:
    path = tmp_path / "blank.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "64M"], check=True)
    return path.read_bytes()


@dataclass
class KillScenario:
    """Three instances claimed on one host whose worker runs as a process of its own."""

    fleet: Fleet
    database_url: str
    uri: str
    hv: LibvirtHypervisor  # the test's own look at the host
    tmp: Path
    host: str = field(default_factory=lambda: f"kill-{uuid.uuid4().hex[:8]}")
    ids: list[UUID] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def log(self) -> Path:
        return self.tmp / "worker.log"

    def boot(self, image: str) -> None:
        Liveness(self.fleet.cloud.hosts, self.hv, WorkerConfig(host=self.host)).register()
        ProcessPositions(self.fleet.cloud.store)  # its table: whoever comes first makes it
        # No ports: what is tested is the guests' convergence, and test_real_guest_network
        # covers NICs on real bridges.
        self.ids = self.fleet.boot(image=image, max_count=3, networks="none")
        assert {self.fleet.instance(i).host for i in self.ids} == {self.host}

    def start(self) -> subprocess.Popen[bytes]:
        process = start_worker(self.fleet, self.database_url, self.host, self.uri,
                               self.tmp / "state", self.log)
        self.processes.append(process)
        return process

    def ours(self) -> set[UUID]:
        return {g for g in self.hv.list_guests() if g in self.ids}

    def kill_after_the_first_guest(self) -> None:
        with event_store_write_lock(self.fleet.cloud, self.database_url):
            first = self.start()

            def first_guest() -> set[UUID]:
                assert first.poll() is None, self.log.read_text()  # fail fast, not at timeout
                return self.ours()

            wait_for(first_guest, "the first guest to appear", timeout_s=60)
            first.kill()  # SIGKILL: no clean-up of any kind
            first.wait(10)
            assert len(self.ours()) == 1, self.log.read_text()
        # At most the outcome the worker was blocked on can land after its death: on PostgreSQL
        # the statement and its COMMIT were already pipelined to the server, which runs them
        # once the lock goes. Either way the position was never advanced past it.
        building = [i for i in self.ids if self.fleet.instance(i).vm_state is VmState.BUILDING]
        assert len(building) >= 2

    def assert_converged(self) -> None:
        for instance_id in self.ids:
            assert self.fleet.wait_until(instance_id, VmState.ACTIVE).host == self.host
        assert self.ours() == set(self.ids), self.log.read_text()
        assert all(self.hv.state(i) is GuestState.RUNNING for i in self.ids)
        if not self.uri.startswith("test"):  # the test driver makes no files at all
            # One directory per guest, beside the host's image cache (_base): no leftovers.
            disks = {p.name for p in (self.tmp / "state").iterdir()
                     if p.is_dir() and p.name != BASE_DIR}
            assert disks == {str(i) for i in self.ids}
        self.fleet.check_ledgers()
        assert self.fleet.cloud.hosts.node(self.host).used()["vcpus"] == 3

    def clean_up(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        for instance_id in self.ids:
            self.hv.destroy(instance_id)


@pytest.mark.parametrize("uri", URIS)
def test_a_worker_killed_mid_spawn_resumes_without_duplicates_or_leftovers(
        fleet: Fleet, database_url: str, tmp_path: Path, libvirtd: None, uri: str) -> None:
    image = fleet.image if uri.startswith("test") else \
        fleet.upload_image("blank", blank_qcow2(tmp_path))
    with LibvirtHypervisor(uri, tmp_path / "state") as hv:
        scenario = KillScenario(fleet, database_url, uri, hv, tmp_path)
        try:
            scenario.boot(image)
            scenario.kill_after_the_first_guest()
            second = scenario.start()
            scenario.assert_converged()
            second.send_signal(signal.SIGTERM)  # a clean stop, as a supervisor asks
            assert second.wait(30) == 0, scenario.log.read_text()
            assert "stopped at position" in scenario.log.read_text()
        finally:
            scenario.clean_up()


def test_a_second_worker_for_the_same_host_refuses_to_start(
        fleet: Fleet, database_url: str, tmp_path: Path) -> None:
    uri = f"test://{write_node_file(tmp_path, 2, 2048)}"
    state_dir, log = tmp_path / "state", tmp_path / "w.log"
    first = start_worker(fleet, database_url, "solo", uri, state_dir, log)
    try:
        wait_for(lambda: fleet.cloud.app.find(node_id("solo")), "the first to register",
                 timeout_s=60)
        second = start_worker(fleet, database_url, "solo", uri, state_dir, log)
        assert second.wait(30) == 1
        assert "another compute worker holds" in log.read_text()
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
