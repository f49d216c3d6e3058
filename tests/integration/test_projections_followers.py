"""Followers and rebuilds across processes: exactly once, woken by NOTIFY on PostgreSQL, and
event ids that commit in order (so a follower never passes over a gap that fills later)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from adapters.notify import woken_by_notify
from adapters.persistence import Database
from domain.app import SkyLedger
from domain.context import RequestContext
from domain.identity.project import Project
from domain.quota.ledger import QuotaLedger, ledger_id
from ops.bootstrap import Cloud, build
from projections.followers import Followers
from projections.registry import all_projections
from projections.runner import runner_for
from tests.support.settings import make_settings
from tests.support.waiting import wait_for

CTX = RequestContext(user_id="u-test", project_id="p-test", request_id="req-followers")


@pytest.fixture
def bare_cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    cloud = build(make_settings(tmp_path / "data", database_url), follow=False)
    yield cloud
    cloud.close()


class OtherProcess:
    """A second deployment process on the same store: its own application, read store, runners."""

    def __init__(self, url: str, interval: float = 0.0) -> None:
        database = Database(url)
        self.app = SkyLedger(env=database.event_store_env())
        self.store = database.read_store()
        self.runners = [runner_for(self.app, self.store, p) for p in all_projections()]
        self.followers = woken_by_notify(
            Followers(self.runners, interval=interval, listen_interval=interval))

    def close(self) -> None:
        self.followers.stop()
        self.store.close()
        self.app.close()


def claim_many(app: SkyLedger, project_id: str, count: int) -> None:
    ledger = QuotaLedger(project_id)
    ledger.set_limits({"key_pairs": -1})
    app.save(ledger)
    for _ in range(count):
        ledger = app.repository.get(ledger_id(project_id))
        ledger.claim({"key_pairs": 1})
        app.save(ledger)


def test_rebuild_while_another_process_follows_applies_each_event_once(
    bare_cloud: Cloud, database_url: str
) -> None:
    claim_many(bare_cloud.app, "p-race", 150)
    other = OtherProcess(database_url)
    other.followers.start()
    try:
        quotas, audit = bare_cloud.runners["quotas"], bare_cloud.runners["audit"]
        for runner in (quotas, audit):
            runner.batch_size = 5  # many small transactions to interleave with the other process
        writer = threading.Thread(target=claim_many, args=(bare_cloud.app, "p-race-2", 60))
        writer.start()
        for _ in range(3):
            quotas.rebuild()
            audit.rebuild()
        writer.join()
        bare_cloud.sync_read_models()
        other.followers.sync()
    finally:
        other.close()
    assert other.followers.errors == []
    usage = bare_cloud.store.query("SELECT project_id, in_use FROM quota_usage"
                                   " WHERE resource = 'key_pairs' ORDER BY project_id")
    assert usage == [{"project_id": "p-race", "in_use": 150},
                     {"project_id": "p-race-2", "in_use": 60}]
    head = bare_cloud.app.head()
    count = bare_cloud.store.query_one("SELECT COUNT(*) AS n FROM audit_events")
    assert count is not None and count["n"] == head


def test_sqlite_followers_poll(tmp_path: Path) -> None:
    other = OtherProcess(f"sqlite:///{tmp_path / 'events.sqlite'}", interval=0.05)
    try:
        assert other.followers.listener is None  # eventsourcing 9.5's SQLite recorder cannot push
        other.followers.start()
        other.app.save(Project("polled", "default", "", True))
        audit = other.runners[-1]
        wait_for(lambda: audit.position() == other.app.head(), "the audit to catch up by polling")
    finally:
        other.close()


@pytest.mark.postgres
def test_postgres_followers_are_woken_by_notify(pg_schema_url: str) -> None:
    # Polling once an hour: within the test's waits, only a NOTIFY can bring the followers up
    # to date (a deadline of a few seconds would only race a busy machine).
    follower = OtherProcess(pg_schema_url, interval=3600.0)
    writer = SkyLedger(env=Database(pg_schema_url).event_store_env())
    try:
        follower.followers.start()
        wait_for(lambda: follower.followers.listening, "the followers to listen")
        audit = follower.runners[-1]
        wait_for(lambda: audit.position() == follower.app.head(), "the audit to catch up")
        writer.save(Project("notified", "default", "", True))
        wait_for(lambda: audit.position() == writer.head(), "a NOTIFY to wake the audit", 60.0)
        assert follower.followers.errors == []
    finally:
        follower.close()
        writer.close()


@pytest.mark.postgres
def test_postgres_inserts_commit_in_notification_order(pg_schema_url: str) -> None:
    """While one transaction holds an uncommitted event id, a save waits for it to finish.

    Otherwise the save's higher id could commit first, a follower would advance past it, and the
    lower id committed afterwards would never be applied.
    """
    database = Database(pg_schema_url)
    app = SkyLedger(env=database.event_store_env())
    table = f'"{database.pg_parts()["schema"]}".skyledger_events'
    saved = threading.Event()
    try:
        with psycopg.connect(database.conninfo()) as holder, \
                psycopg.connect(database.conninfo(), autocommit=True) as watcher:
            holder.execute(f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
                           " VALUES (%s, 1, 'x', '')", (uuid.uuid4(),))
            def save() -> None:
                app.save(Project("ordered", "default", "", True))
                saved.set()

            def save_waits_for_the_table() -> bool:
                row = watcher.execute("SELECT COUNT(*) FROM pg_locks WHERE relation = %s::regclass"
                                      " AND NOT granted", (table,)).fetchone()
                return bool(row and row[0])

            thread = threading.Thread(target=save)
            thread.start()
            # Once the save queues on the table's lock (not after a guessed delay, which a slow
            # thread could outlast before it even tried), it must still be uncommitted.
            wait_for(lambda: save_waits_for_the_table() or saved.is_set(),
                     "the save to queue on the table's lock", 60.0)
            assert not saved.is_set(), "a save committed while a lower event id was in flight"
            holder.rollback()
        thread.join(timeout=10)
        assert saved.is_set()
    finally:
        app.close()
