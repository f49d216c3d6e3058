"""A process following every read model, SIGKILLed at random moments (mostly in the middle of a
batch: it always has a backlog) while events are appended: each restart resumes from the
tracked positions, and the read models end up exactly what a from-scratch build makes.

Exactly once is the claim under test: a batch and its position are committed in one
transaction (projections/runner.py, passes.py), so a kill loses the whole batch or none of it.
A duplicate would break the audit trail's one row per position; a lost event would leave a
hole; anything subtler shows as a row that differs from a fresh build.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from adapters.persistence import Database
from domain.context import SYSTEM
from domain.process.compute.config import WorkerConfig
from domain.process.compute.liveness import Liveness
from ops.bootstrap import Cloud, build
from projections.registry import all_projections
from projections.runner import runner_for
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore
from tests.integration.crash.follower import READY
from tests.integration.crash.killer import Killer, seeded_random
from tests.support.fleet import ADMIN, USER, Fleet
from tests.support.read_models import dump_table
from tests.support.settings import make_settings
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[3]
BATCH_SIZE = 7
HOST = "follower-host"


@pytest.fixture
def busy_cloud(database_url: str, tmp_path: Path) -> Iterator[Fleet]:
    """A cloud whose commands append events; it never follows: the process under test does."""
    cloud: Cloud = build(make_settings(tmp_path / "data", database_url), follow=False)
    fleet = Fleet(cloud, tmp_path)
    fleet.seed()
    cloud.quotas.set_limits(ADMIN, str(USER.project_id), {"instances": -1, "cores": -1,
                                                          "ram": -1})
    with LibvirtHypervisor("test:///default", tmp_path / "guests") as hv:
        Liveness(cloud.hosts, hv, WorkerConfig(host=HOST, ram_ratio=100.0)).register()
    yield fleet
    cloud.close()


@pytest.fixture
def fresh_store(database_url: str, tmp_path: Path) -> Iterator[ReadStore]:
    """An empty read store beside the live one, for the from-scratch build."""
    database = Database(database_url)
    if not database.is_postgres:
        store: ReadStore = SQLiteReadStore(str(tmp_path / "fresh.sqlite"))
        yield store
        store.close()
        return
    schema = f"fresh_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    store = PostgresReadStore(database.conninfo(), schema=schema)
    yield store
    store.close()
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def start_follower(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SKYLEDGER_DATABASE_URL": database_url}
    return subprocess.Popen([sys.executable, "-m", "tests.integration.crash.follower",
                             str(BATCH_SIZE)], cwd=REPO, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


def append_events(fleet: Fleet, rng: random.Random, stop: threading.Event) -> int:
    """Commands of every kind the read models follow, until `stop`; returns how many."""
    cloud, live, count = fleet.cloud, [], 0
    while not stop.is_set():
        choice = rng.random()
        if choice < 0.45 or not live:
            live.extend(fleet.boot(networks="none", max_count=rng.randint(1, 3)))
        elif choice < 0.7:
            doomed = live.pop(rng.randrange(len(live)))
            cloud.actions.delete(USER, doomed.hex, host_is_up=False)  # released at once
        elif choice < 0.85:
            cloud.identity.create_project(SYSTEM, f"crash-{count}")
        else:
            cloud.quotas.set_limits(ADMIN, f"project-{rng.randrange(5)}",
                                    {"instances": rng.randint(5, 50)})
        count += 1
    return count


def positions(store: ReadStore) -> dict[str, int]:
    return {r["name"]: int(r["position"])
            for r in store.query("SELECT name, position FROM projection_positions")}


def caught_up(store: ReadStore, head: int) -> bool:
    reached = positions(store)
    return all(reached.get(p.name, 0) >= head for p in all_projections())


def test_a_follower_killed_mid_batch_leaves_no_duplicate_and_no_hole(
        busy_cloud: Fleet, fresh_store: ReadStore, database_url: str, tmp_path: Path) -> None:
    fleet, rng = busy_cloud, seeded_random("projection follower kills")
    cloud, log = fleet.cloud, tmp_path / "follower.log"
    stop = threading.Event()
    appended: list[int] = []
    appender = threading.Thread(
        target=lambda: appended.append(append_events(fleet, random.Random(rng.random()), stop)),
        name="appender", daemon=True)
    lags: list[int] = []  # how far behind the follower was as each kill came: it had work

    def start() -> subprocess.Popen[bytes]:
        if killer_started.is_set():
            lags.append(cloud.app.head() - min(positions(cloud.store).values()))
        killer_started.set()
        return start_follower(database_url, log)

    killer_started = threading.Event()
    killer = Killer(start, rng, kills=rng.randint(4, 6), log=log, ready_marker=READY)
    appender.start()
    try:
        with killer:
            killer.wait_for_all_kills()
    finally:
        stop.set()
        appender.join(60)
    head = cloud.app.head()
    try:
        wait_for(lambda: caught_up(cloud.store, head), "the follower to catch up",
                 timeout_s=60)
    finally:
        status = killer.stop()
    assert status == 0, log.read_text()[-4000:]
    print(f"{appended} commands, head {head}, lag at each kill {lags}")
    assert "follower error" not in log.read_text(), log.read_text()[-4000:]
    assert any(lag > 0 for lag in lags)

    ids = [n.id for n in cloud.app.recorder.select_notifications(1, head + 1, stop=head)]
    audit = [r["position"] for r in cloud.store.query(
        "SELECT position FROM audit_events ORDER BY position")]
    assert audit == ids  # one row per event: none twice, none missing

    for projection in all_projections():
        runner_for(cloud.app, fresh_store, projection, batch_size=500).catch_up(until=head)
        for table in projection.tables:
            assert dump_table(cloud.store, table) == dump_table(fresh_store, table), table
