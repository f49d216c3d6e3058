"""Processes starting together on one schema all create their tables: the API servers and the
workers of several hosts (tests/e2e/test_multi_host.py) each open the event store (eventsourcing's
types, tables and insert function), workers make `process_positions` and API servers their read
models' tables (`console_logs` here) at start.
PostgreSQL's CREATE TABLE IF NOT EXISTS and CREATE OR REPLACE FUNCTION are not safe against a
concurrent creator (pg_type's unique index; "tuple concurrently updated"), so the event store's
recorder (adapters/persistence.py) and ReadStore.schema_change make them queue."""

from __future__ import annotations

import threading
from collections.abc import Callable

from adapters.persistence import Database
from adapters.positions import ProcessPositions
from domain.app import SkyLedger
from projections.console_logs import ConsoleLogProjection
from projections.store import ReadStore

STARTERS = 6


def all_at_once(start: Callable[[int], None]) -> list[BaseException]:
    """Run start(0..STARTERS-1) in threads released together; what each raised."""
    together = threading.Barrier(STARTERS)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        together.wait()
        try:
            start(n)
        except BaseException as error:  # noqa: BLE001 - reported by the caller, with its type
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(STARTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures


def test_processes_opening_the_event_store_at_once_all_open(database_url: str) -> None:
    env = Database(database_url).event_store_env()

    def open_and_close(_n: int) -> None:
        SkyLedger(env=env).close()

    assert all_at_once(open_and_close) == []  # a new schema: types and tables made
    assert all_at_once(open_and_close) == []  # an existing one: the function replaced


def test_workers_starting_at_once_on_a_new_schema_all_start(database_url: str) -> None:
    stores: list[ReadStore] = [Database(database_url).read_store() for _ in range(STARTERS)]

    def start(n: int) -> None:
        ProcessPositions(stores[n])
        with stores[n].schema_change() as cur:  # as ProjectionRunner.create_tables makes them
            for statement in ConsoleLogProjection.ddl:
                cur.execute(statement)

    try:
        assert all_at_once(start) == []
        positions = ProcessPositions(stores[0])
        positions.save("compute:h1", 7)
        assert positions.get("compute:h1") == 7
    finally:
        for store in stores:
            store.close()
