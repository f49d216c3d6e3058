"""Followers: pull the notification log and apply it to a projection, exactly once.

Each batch is applied and its tracking position advanced in ONE read-store transaction; the
position is read inside that transaction under a write lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL
`FOR UPDATE`), so any number of processes may run the same projection without applying an event
twice. SQLite in eventsourcing 9.5 cannot push, so followers pull; `wake()` lets a writer in the
same process skip the poll interval.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from domain.app import SkyLedger
from projections.base import Projection
from projections.store import ReadStore

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_positions ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)

Progress = Callable[[int, int], None]


class ProjectionRunner:
    def __init__(self, app: SkyLedger, store: ReadStore, projection: Projection,
                 batch_size: int = 500) -> None:
        self.app = app
        self.store = store
        self.projection = projection
        self.batch_size = batch_size
        self.topics = projection.topics()

    def create_tables(self) -> None:
        with self.store.transaction() as cur:
            cur.execute(POSITIONS_DDL)
            for statement in self.projection.ddl:
                cur.execute(statement)
            cur.execute("INSERT INTO projection_positions (name, position) VALUES (?, 0)"
                        " ON CONFLICT (name) DO NOTHING", (self.projection.name,))

    def position(self) -> int:
        row = self.store.query_one("SELECT position FROM projection_positions WHERE name = ?",
                                   (self.projection.name,))
        return int(row["position"]) if row else 0

    def run_batch(self, head: int) -> int:
        """Apply the next batch up to `head`; returns the new position."""
        lock = " FOR UPDATE" if self.store.dialect == "postgres" else ""
        with self.store.transaction() as cur:
            row = cur.execute("SELECT position FROM projection_positions WHERE name = ?" + lock,
                              (self.projection.name,)).one()
            position = int(row["position"]) if row else 0
            if position >= head:
                return position
            notifications = self.app.recorder.select_notifications(
                start=position + 1, limit=self.batch_size, stop=head, topics=self.topics
            )
            for notification in notifications:
                self.projection.apply(cur, self.app.mapper.to_domain_event(notification),
                                      notification.id)
            # A full batch may stop short of head; a short one means nothing else is left to head.
            new_position = (notifications[-1].id if len(notifications) == self.batch_size
                            else head)
            cur.execute("UPDATE projection_positions SET position = ? WHERE name = ?",
                        (new_position, self.projection.name))
            return new_position

    def catch_up(self, until: int | None = None, progress: Progress | None = None) -> int:
        head = self.app.head() if until is None else until
        position = self.position()
        while position < head:
            position = self.run_batch(head)
            if progress:
                progress(position, head)
        return position

    def reset(self) -> None:
        """Empty the read model and rewind to event zero (the rebuild starts from here)."""
        with self.store.transaction() as cur:
            for table in self.projection.tables:
                cur.execute(f"DELETE FROM {table}")
            cur.execute("UPDATE projection_positions SET position = 0 WHERE name = ?",
                        (self.projection.name,))


class Followers:
    """Runs every projection's runner in one background thread, polling between rounds."""

    def __init__(self, runners: list[ProjectionRunner], interval: float = 0.2) -> None:
        self.runners = runners
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[BaseException] = []

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="projection-followers", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception as error:  # noqa: BLE001 - keep following; the error is kept for status
                self.errors.append(error)
                del self.errors[:-10]
            self._wake.wait(self.interval)
            self._wake.clear()

    def sync(self, until: int | None = None) -> None:
        head = self.runners[0].app.head() if until is None and self.runners else until
        for runner in self.runners:
            runner.catch_up(head)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def runner_for(app: SkyLedger, store: ReadStore, projection: Projection, **kw: Any) -> ProjectionRunner:
    runner = ProjectionRunner(app, store, projection, **kw)
    runner.create_tables()
    return runner
