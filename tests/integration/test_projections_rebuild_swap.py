"""Zero-downtime rebuilds (projections/swap.py), on both stores.

Servers are booted through the API in a thread WHILE `servers` or `quotas` is rebuilt, and
another thread reads the live model all along: the readers never see it shrink (no empty or
partial model, before, during or after the swap), the rebuilt model equals a from-scratch build
and holds every server booted during the rebuild. The rebuild's own hooks (its progress callback
and `before_swap`) make the overlap certain: the build waits for boots to land, and the swap
for events the copy has not seen, so the catch-up under the lock has work to do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.persistence import Database
from domain.context import RequestContext
from ops.bootstrap import Cloud
from projections.rebuild_guard import RebuildRunning
from projections.store import ReadStore
from projections.swap import ShadowRebuild, SwapResult, space_for
from tests.support.compute_api import Compute, make_image, register_host
from tests.support.read_models import admin_context, dump_table
from tests.support.waiting import wait_for

# What a reader of each model can count; only boots happen, so it may only ever grow.
OBSERVED = {
    "servers": "SELECT COUNT(*) AS n FROM servers",
    "quotas": "SELECT COALESCE(SUM(in_use), 0) AS n FROM quota_usage WHERE resource = 'instances'",
}
WAIT = 60.0


@pytest.fixture
def fleet(cloud: Cloud, client: TestClient, admin: dict[str, str]) -> Compute:
    """One host with room for hundreds of servers, an image, and an admin project without
    instance, core or RAM limits; a dozen servers already booted (the events to rebuild)."""
    register_host(cloud, "host-big", vcpus=4096, memory_mb=2**24, disk_gb=2**20)
    fleet = Compute(cloud, client, make_image(cloud))
    project = admin_context(cloud).project_id
    cloud.quotas.set_limits(RequestContext(user_id="operator", roles=("admin",)), project,
                            {"instances": -1, "cores": -1, "ram": -1})
    for _ in range(12):
        fleet.booted(admin)
    cloud.sync_read_models()
    return fleet


class Booter(threading.Thread):
    """Boots servers through the API until stopped; keeps their ids."""

    def __init__(self, fleet: Compute, who: dict[str, str]) -> None:
        super().__init__(name="booter", daemon=True)
        self.fleet, self.who = fleet, who
        self.ids: list[str] = []
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.ids.append(self.fleet.booted(self.who))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def more(self, count: int) -> None:
        """Wait until `count` more servers than now have been booted."""
        target = len(self.ids) + count
        wait_for(lambda: len(self.ids) >= target or self.error is not None, "boots", WAIT)
        assert self.error is None, self.error


class Reader(threading.Thread):
    """Reads the live model on connections of its own, as an API process would."""

    def __init__(self, store: ReadStore, sql: str) -> None:
        super().__init__(name="reader", daemon=True)
        self.store, self.sql = store, sql
        self.seen: list[int] = []
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                row = self.store.query_one(self.sql)
                self.seen.append(int(row["n"]) if row else -1)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error


@pytest.fixture
def database(database_url: str) -> Database:
    return Database(database_url)


@pytest.fixture
def other_store(database: Database) -> Iterator[ReadStore]:
    store = database.read_store()
    yield store
    store.close()


def shadow(cloud: Cloud, database: Database, name: str, batch_size: int = 3) -> ShadowRebuild:
    return ShadowRebuild(cloud.app, cloud.store, database, cloud.runners[name].projection,
                         batch_size)


def dump(cloud: Cloud, name: str) -> dict[str, list[tuple[Any, ...]]]:
    return {t: dump_table(cloud.store, t) for t in cloud.runners[name].projection.tables}


def live_indexes(store: ReadStore, database: Database, table: str) -> set[str]:
    if database.is_postgres:
        schema = database.pg_parts()["schema"] or "public"
        rows = store.query("SELECT indexname AS name FROM pg_indexes"
                           " WHERE schemaname = ? AND tablename = ?", (schema, table))
    else:
        rows = store.query("SELECT name FROM main.sqlite_master WHERE type = 'index'"
                           " AND tbl_name = ?", (table,))
    return {row["name"] for row in rows}


@pytest.mark.parametrize("name", ["servers", "quotas"])
def test_boots_during_a_rebuild_are_all_in_the_swapped_model(
    cloud: Cloud, fleet: Compute, admin: dict[str, str], database: Database,
    other_store: ReadStore, name: str,
) -> None:
    before = other_store.query_one(OBSERVED[name])
    assert before is not None and int(before["n"]) == 12
    booter, reader = Booter(fleet, admin), Reader(other_store, OBSERVED[name])
    space = space_for(database, name)
    during: list[int] = []

    def progress(done: int, total: int) -> None:
        if not during:  # the first batch is in: let boots land while the copy is built
            assert space.exists()
            booter.more(3)
        during.append(done)

    def before_swap() -> None:
        booter.more(2)  # events the copy has not seen: the swap's catch-up must apply them
        # Still the old tables, still complete, and still followed.
        row = other_store.query_one(OBSERVED[name])
        assert row is not None and int(row["n"]) >= 12

    reader.start()
    booter.start()
    try:
        result: SwapResult = shadow(cloud, database, name).run(progress, before_swap)
        booter.more(2)  # and boots go on after the swap, followed into the new tables
    finally:
        booter.stop.set()
        booter.join(WAIT)
        reader.stop.set()
        reader.join(WAIT)
    assert booter.error is None and reader.error is None, (booter.error, reader.error)
    assert len(during) > 3 and result.tail > 0, (during, result)
    assert result.position > result.built

    # Readers never saw the model shrink: not while it was rebuilt, nor at the swap.
    assert reader.seen and reader.seen[0] >= 12
    assert all(a <= b for a, b in zip(reader.seen, reader.seen[1:], strict=False)), reader.seen
    assert not space.exists()

    cloud.sync_read_models()
    total = 12 + len(booter.ids)
    swapped = dump(cloud, name)
    if name == "servers":
        ids = {row[0] for row in swapped["servers"]}
        assert {UUID(i).hex for i in booter.ids} <= ids and len(ids) == total
        # The indexes came along (into the live file or schema, not the scratch one).
        assert "servers_by_project" in live_indexes(cloud.store, database, "servers")
    row = cloud.store.query_one(OBSERVED[name])
    assert row is not None and int(row["n"]) == total
    # The same model a from-scratch build gives.
    cloud.runners[name].batch_size = 5
    cloud.runners[name].rebuild()
    assert dump(cloud, name) == swapped


def test_a_second_rebuild_of_the_same_projection_is_refused(
    cloud: Cloud, fleet: Compute, database: Database
) -> None:
    paused, go = threading.Event(), threading.Event()
    results: list[SwapResult] = []

    def hold() -> None:
        paused.set()
        assert go.wait(WAIT)

    first = threading.Thread(
        target=lambda: results.append(shadow(cloud, database, "servers").run(before_swap=hold)))
    first.start()
    try:
        assert paused.wait(WAIT)
        with pytest.raises(RebuildRunning, match="a rebuild of servers is already running"):
            shadow(cloud, database, "servers").run()
        # Another projection's rebuild is not held back.
        assert shadow(cloud, database, "quotas").run().position == cloud.app.head()
    finally:
        go.set()
        first.join(WAIT)
    assert [r.name for r in results] == ["servers"]
    assert shadow(cloud, database, "servers").run().position == cloud.app.head()


def test_an_interrupted_build_leaves_live_untouched_and_no_copy(
    cloud: Cloud, fleet: Compute, database: Database
) -> None:
    before, position = dump(cloud, "servers"), cloud.runners["servers"].position()
    space = space_for(database, "servers")

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        shadow(cloud, database, "servers").run(interrupt)
    assert dump(cloud, "servers") == before
    assert cloud.runners["servers"].position() == position
    assert not space.exists()
    # The guard went with it.
    assert shadow(cloud, database, "servers").run().position == cloud.app.head()


def test_a_failure_inside_the_swap_rolls_it_all_back(
    cloud: Cloud, fleet: Compute, admin: dict[str, str], database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rebuild = shadow(cloud, database, "servers")
    reached: list[str] = []

    def fail(cur: Any, head: int, schema: str) -> None:
        # By now the live tables were dropped and the copy's put in their place.
        reached.append(schema)
        raise KeyboardInterrupt

    monkeypatch.setattr(rebuild, "_set_position", fail)

    def late_boot() -> None:
        fleet.booted(admin)  # followed by the live model only: the swap has a tail to apply

    before = dump(cloud, "servers")
    with pytest.raises(KeyboardInterrupt):
        rebuild.run(before_swap=late_boot)
    assert reached
    # The late boot's request synced the live model; the failed swap did not undo that.
    after = dump(cloud, "servers")
    assert len(after["servers"]) == len(before["servers"]) + 1
    assert cloud.runners["servers"].position() == cloud.app.head()
    assert not space_for(database, "servers").exists()
    cloud.runners["servers"].rebuild()
    assert dump(cloud, "servers") == after
