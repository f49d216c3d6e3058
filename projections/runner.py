"""Followers: read the notification log and apply it to a projection, exactly once.

Each batch is applied and its tracking position advanced in ONE read-store transaction; the
position is read inside that transaction under a write lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL
`FOR UPDATE`), so any number of processes may run the same projection without applying an event
twice. A rebuild (`reset` + `catch_up`) takes the same lock, so it is safe while followers of
other processes run. SQLite in eventsourcing 9.5 cannot push, so its followers poll; on
PostgreSQL a LISTEN on the event store's NOTIFY channel wakes them as soon as a save commits.
`wake()` lets a writer in the same process skip the poll interval.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.app import SkyLedger
from projections.base import Projection
from projections.store import ReadCursor, ReadStore

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

    def _locked_position(self, cur: ReadCursor) -> int:
        """The position, read under the lock every writer of this projection takes first."""
        lock = " FOR UPDATE" if self.store.dialect == "postgres" else ""
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
        notifications = self.app.recorder.select_notifications(
            start=start + 1, limit=self.batch_size, stop=head, topics=self.topics)
        if not notifications and not advance_idle:
            return start
        # A full batch may stop short of head; a short one means nothing else is left to head.
        end = notifications[-1].id if len(notifications) == self.batch_size else head
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


class Followers:
    """Runs every projection's runner in one background thread.

    Between rounds it sleeps until woken: by `wake()`, by a PostgreSQL NOTIFY when the event
    store can send one, or else after `interval` seconds (the SQLite poll). While LISTEN is
    active the poll only remains as a slow safety net (`listen_interval`).
    """

    def __init__(self, runners: list[ProjectionRunner], interval: float = 0.2,
                 listen_interval: float = 5.0, listen: bool = True) -> None:
        self.runners = runners
        self.interval = interval
        self.listen_interval = listen_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        recorder = runners[0].app.recorder if runners else None
        self.listener = NotifyListener(recorder, self) if listen and recorder else None
        if self.listener is not None and not self.listener.supported:
            self.listener = None

    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.active.is_set()

    def start(self) -> None:
        targets = [self._loop] + ([self.listener.run] if self.listener else [])
        for target, name in zip(targets, ("projection-followers", "projection-listen"),
                                strict=False):
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def wake(self) -> None:
        self._wake.set()

    def record(self, error: BaseException) -> None:
        self.errors.append(error)
        del self.errors[:-10]

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception as error:  # noqa: BLE001 - keep following; the error is kept for status
                self.record(error)
            self._wake.wait(self.listen_interval if self.listening else self.interval)
            self._wake.clear()

    def sync(self, until: int | None = None, advance_idle: bool = True) -> None:
        head = self.runners[0].app.head() if until is None and self.runners else until
        for runner in self.runners:
            runner.catch_up(head, advance_idle=advance_idle)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def rest(self, seconds: float) -> None:
        """Sleep, but no longer than until stop()."""
        self._stop.wait(seconds)


class NotifyListener:
    """LISTENs on the channel eventsourcing's PostgreSQL recorder NOTIFYs in every insert.

    eventsourcing 9.5's `recorder.subscribe()` would do the LISTEN too, but it also pulls and
    queues every notification for its own iterator; the runners read the log themselves (inside
    their locked transactions), so only the wake-up is wanted here.
    """

    def __init__(self, recorder: Any, followers: Followers) -> None:
        self.recorder = recorder
        self.followers = followers
        self.channel = getattr(recorder, "channel_name", None)
        self.active = threading.Event()

    @property
    def supported(self) -> bool:
        return self.channel is not None and hasattr(self.recorder, "datastore")

    def run(self) -> None:
        while not self.followers.stopped:
            try:
                self._listen()
            except Exception as error:  # noqa: BLE001 - fall back to polling, then try again
                self.followers.record(error)
            self.active.clear()
            self.followers.wake()
            self.followers.rest(1.0)

    def _listen(self) -> None:
        from psycopg.sql import SQL, Identifier

        with self.recorder.datastore.get_connection() as conn:
            conn.execute(SQL("LISTEN {0}").format(Identifier(self.channel)))
            try:
                self.active.set()
                # Whatever committed before LISTEN took effect sent its NOTIFY to nobody.
                self.followers.wake()
                while not self.followers.stopped:
                    # A short timeout so that stop() is noticed promptly.
                    for _ in conn.notifies(timeout=0.25, stop_after=1):
                        self.followers.wake()
            finally:
                # The connection goes back to eventsourcing's pool: leave it as it was lent.
                with contextlib.suppress(Exception):
                    conn.execute("UNLISTEN *")


def runner_for(app: SkyLedger, store: ReadStore, projection: Projection,
               **kw: Any) -> ProjectionRunner:
    runner = ProjectionRunner(app, store, projection, **kw)
    runner.create_tables()
    return runner
