"""Projection runners: read the notification log and apply it to a projection, exactly once.

Each batch is applied and its tracking position advanced in ONE read-store transaction; the
position is read inside that transaction under a write lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL
`FOR UPDATE`), so any number of processes may run the same projection without applying an event
twice. An in-place rebuild (`reset` + `catch_up`) takes the same lock, so it is safe while
followers of other processes run, but readers see the model refill; projections/swap.py builds a
copy beside the live one instead and swaps it in under that lock (the CLI's default).
projections/followers.py runs them in a background thread (the one log follower: polling on
SQLite, woken by NOTIFY on PostgreSQL) and serves read-your-writes waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.app import SkyLedger
from domain.log_follower import read_batch
from projections.base import Projection
from projections.store import ReadCursor, ReadStore, patient_tracking_lock

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
        self._topic_set = frozenset(self.topics)

    def follows(self, topic: str) -> bool:
        return not self._topic_set or topic in self._topic_set

    def create_tables(self) -> None:
        with self.store.schema_change() as cur:
            cur.execute(POSITIONS_DDL)
            for statement in self.projection.ddl:
                cur.execute(statement)
            cur.execute("INSERT INTO projection_positions (name, position) VALUES (?, 0)"
                        " ON CONFLICT (name) DO NOTHING", (self.projection.name,))

    def position(self) -> int:
        row = self.store.query_one("SELECT position FROM projection_positions WHERE name = ?",
                                   (self.projection.name,))
        return int(row["position"]) if row else 0

    def _locked_position(self, cur: ReadCursor) -> int:
        """The position, read under the lock every writer of this projection takes first.

        Writers of one projection in several processes (followers, a rebuild, a CLI catch-up)
        queue on this row by design; one holds it for a whole batch, which on a busy machine
        can take longer than the sessions' short lock timeout (adapters/pg_limits.py, made to
        answer a request quickly while the database is stuck). Waiting for the tracking row is
        not being stuck, so it gets TRACKING_LOCK_WAIT_S, as schema changes get theirs."""
        lock = " FOR UPDATE" if patient_tracking_lock(cur, self.store) else ""
        row = cur.execute("SELECT position FROM projection_positions WHERE name = ?" + lock,
                          (self.projection.name,)).one()
        return int(row["position"]) if row else 0

    def run_batch(self, head: int, advance_idle: bool = True) -> int:
        """Apply the next batch up to `head`; returns the new position.

        The notifications are read BEFORE the write lock is taken: on SQLite the read store and
        the event store share one file, and holding its write lock while waiting for an event
        store connection (whose holders wait for the file lock) deadlocks under load. Under the
        lock the position is read again and only what is still new is applied. With
        `advance_idle=False` a batch with nothing to apply changes nothing and takes no lock
        (read-your-writes checks after every command need not queue on it).
        """
        start = self.position()
        if start >= head:
            return start
        notifications, end, _ = read_batch(self.app, start, head, self.topics, self.batch_size)
        if not notifications and not advance_idle:
            return start
        with self.store.transaction() as cur:
            position = self._locked_position(cur)
            if position < start or position >= end:
                # Rewound by a rebuild meanwhile (read again), or another runner got there.
                return position
            for notification in notifications:
                if notification.id > position:
                    self.projection.apply(cur, self.app.mapper.to_domain_event(notification),
                                          notification.id)
            cur.execute("UPDATE projection_positions SET position = ? WHERE name = ?",
                        (end, self.projection.name))
            return end

    def catch_up(self, until: int | None = None, progress: Progress | None = None,
                 advance_idle: bool = True) -> int:
        head = self.app.head() if until is None else until
        position = self.position()
        while position < head:
            new_position = self.run_batch(head, advance_idle)
            if new_position == position and not advance_idle:
                break  # nothing relevant before head
            position = new_position
            if progress:
                progress(position, head)
        return position

    def reset(self) -> None:
        """Drop the read model's tables, create them afresh (so a changed DDL takes effect) and
        rewind to event zero, all in one transaction.

        The tracking row is locked FIRST: a batch of another process that is in flight finishes
        (and commits) before the tables go, and any later batch waits, then reads position 0.
        Without the lock, a batch committed between our emptying of the tables and our rewind
        would stay, and then be applied a second time (tests/integration/
        test_projections_followers.py catches exactly that on PostgreSQL).
        """
        with self.store.transaction() as cur:
            self._locked_position(cur)
            for table in self.projection.tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in self.projection.ddl:
                cur.execute(statement)
            cur.execute("UPDATE projection_positions SET position = 0 WHERE name = ?",
                        (self.projection.name,))

    def rebuild(self, progress: Progress | None = None) -> int:
        """Replay every event into empty tables; returns the position reached."""
        self.reset()
        return self.catch_up(progress=progress)

    def status(self, head: int) -> ProjectionStatus:
        return ProjectionStatus(self.projection.name, self.position(), head)


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        """Notifications not yet considered (a position past events it ignores counts them)."""
        return max(0, self.head - self.position)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "position": self.position, "head": self.head, "lag": self.lag}


def runner_for(app: SkyLedger, store: ReadStore, projection: Projection,
               **kw: Any) -> ProjectionRunner:
    runner = ProjectionRunner(app, store, projection, **kw)
    runner.create_tables()
    return runner

