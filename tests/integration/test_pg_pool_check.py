"""The pools' check of a PostgreSQL connection before lending it (adapters/pg_pool_check.py),
against the real server: no round trip for a connection nobody spoke to, and a connection whose
backend the server ended is still never lent, by the read store's pool nor the event store's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from eventsourcing.domain import Aggregate

from adapters.persistence import Database
from adapters.pg_pool_check import check_if_spoken_to
from domain.app import SkyLedger
from projections.store import PostgresReadStore
from tests.support.waiting import wait_for

pytestmark = pytest.mark.postgres


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text


def exited(pid: int) -> bool:
    """The server's process is gone, its sockets closed by the kernel (the suite's PostgreSQL
    runs on this machine; for one elsewhere this is true at once)."""
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


def end_backends(url: str) -> int:
    """Terminate every other session on this database, as a restart would, and wait until
    their processes have exited (termination is a signal: the call returns before it lands);
    how many."""
    with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchall()]
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    wait_for(lambda: all(exited(pid) for pid in pids), "the terminated backends to exit")
    return len(pids)


@pytest.fixture(params=["socket", "ping"])
def database(request: pytest.FixtureRequest, pg_schema_url: str) -> Database:
    """Both checks: the cheaper one must recover wherever the ping did. A pool waits 1 s for a
    new connection by default; a busy machine can take longer to make one."""
    return Database(pg_schema_url, pool_timeout=30, pool_check=request.param)


def test_a_quiet_connection_is_checked_without_a_round_trip(pg_schema_url: str,
                                                           tmp_path: Path) -> None:
    with psycopg.connect(Database(pg_schema_url).conninfo(), autocommit=True) as conn:
        conn.execute("SELECT 1")
        trace = (tmp_path / "libpq.trace").open("w")
        conn.pgconn.trace(trace.fileno())
        check_if_spoken_to(conn)
        conn.pgconn.untrace()
        trace.close()
        assert (tmp_path / "libpq.trace").read_text() == ""


def test_a_connection_whose_backend_ended_fails_the_check(pg_schema_url: str) -> None:
    with psycopg.connect(Database(pg_schema_url).conninfo(), autocommit=True) as conn:
        conn.execute("SELECT 1")
        assert end_backends(pg_schema_url) >= 1
        with pytest.raises(psycopg.OperationalError):
            check_if_spoken_to(conn)


@pytest.fixture
def read_store(database: Database) -> Iterator[PostgresReadStore]:
    store = database.read_store()
    assert isinstance(store, PostgresReadStore)
    yield store
    store.close()


def test_the_read_store_lends_a_live_connection_after_its_backends_ended(
        database: Database, read_store: PostgresReadStore) -> None:
    with read_store.transaction() as cur:
        cur.execute("SELECT 1")
    assert end_backends(database.url) >= 1
    with read_store.transaction() as cur:  # the dead one is dropped, a new one lent
        assert cur.execute("SELECT 1 AS one").rows() == [{"one": 1}]


def test_the_event_store_saves_and_loads_after_its_backends_ended(database: Database) -> None:
    app = SkyLedger(env=database.event_store_env())
    try:
        before = Note("before")
        app.save(before)
        assert end_backends(database.url) >= 1
        after = Note("after")
        app.save(after)
        assert app.repository.get(before.id).text == "before"
        assert app.repository.get(after.id).text == "after"
    finally:
        app.close()
