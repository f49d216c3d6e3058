"""Read-your-writes through the follower thread (projections/followers.py): a request that
wrote waits until every read model shows what the log held after its write, while one thread
does the work for all of them; one broken read model fails the wait instead of hanging it, and
does not hold the others back (projections/passes.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.notify import woken_by_notify
from domain.app import tracking_writes, written_up_to
from domain.identity.project import Project
from ops.bootstrap import Cloud, build
from projections.base import Projection
from projections.followers import Followers
from projections.runner import runner_for
from projections.store import ReadCursor
from tests.support.settings import make_settings


def make_cloud(database_url: str, tmp_path: Path, follow: bool) -> Cloud:
    return build(make_settings(tmp_path / "data", database_url), follow=follow)


@pytest.fixture
def following(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    cloud = make_cloud(database_url, tmp_path, follow=True)
    yield cloud
    cloud.close()


def audited(cloud: Cloud, project: Project) -> bool:
    row = cloud.store.query_one("SELECT COUNT(*) AS n FROM audit_events WHERE aggregate_id = ?",
                                (project.id.hex,))
    return row is not None and row["n"] > 0


def test_each_writer_sees_its_own_write_once_the_wait_returns(following: Cloud) -> None:
    misses: list[str] = []

    def writer(n: int) -> None:
        for k in range(5):
            project = Project(f"ryw-{n}-{k}", "default", "", True)
            following.app.save(project)
            following.catch_up_for_reads()
            if not audited(following, project):
                misses.append(project.name)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert misses == []
    head = following.app.head()
    assert all(runner.position() == head for runner in following.runners.values())


def test_a_request_waits_for_its_own_writes_not_for_the_head(following: Cloud) -> None:
    """As each API request does (api/middleware.py): the wait is up to the request's own last
    event, which its saves recorded, so a later writer's events need not be awaited."""
    misses: list[str] = []

    def writer(n: int) -> None:
        for k in range(5):
            with tracking_writes():
                project = Project(f"own-{n}-{k}", "default", "", True)
                following.app.save(project)
                mark = written_up_to()
                assert mark is not None and 0 < mark <= following.app.head()
                following.catch_up_for_reads()
                if not audited(following, project):
                    misses.append(project.name)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert misses == []
    assert written_up_to() is None  # outside a request: the head, as before


def test_without_a_follower_thread_the_caller_catches_up(database_url: str,
                                                         tmp_path: Path) -> None:
    cloud = make_cloud(database_url, tmp_path, follow=False)
    try:
        project = Project("no-thread", "default", "", True)
        cloud.app.save(project)
        cloud.catch_up_for_reads()
        assert audited(cloud, project)
    finally:
        cloud.close()


class Broken(Projection):
    name = "broken"
    tables = ("broken_rows",)
    ddl = ("CREATE TABLE IF NOT EXISTS broken_rows (position BIGINT PRIMARY KEY)",)
    reads_everything = True

    def apply_any(self, cur: ReadCursor, event: Any, position: int) -> None:
        if getattr(event, "name", "") == "poison":
            raise RuntimeError("broken read model")
        cur.execute("INSERT INTO broken_rows (position) VALUES (?)", (position,))


def test_a_broken_read_model_fails_the_wait_and_holds_no_other_back(database_url: str,
                                                                    tmp_path: Path) -> None:
    cloud = make_cloud(database_url, tmp_path, follow=False)  # only the followers below run
    runners = [runner_for(cloud.app, cloud.store, Broken()), *cloud.runners.values()]
    followers = woken_by_notify(Followers(runners))
    followers.start()
    try:
        poison = Project("poison", "default", "", True)
        cloud.app.save(poison)
        with pytest.raises(RuntimeError, match="broken read model"):
            followers.read_your_writes(timeout=30.0)
        assert audited(cloud, poison)  # the audit trail caught up on its own
        assert runners[0].position() < cloud.app.head()
    finally:
        followers.stop()
        cloud.close()
