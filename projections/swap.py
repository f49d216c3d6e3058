"""Zero-downtime rebuild: build a new copy of a read model beside the live one, then swap.

`ProjectionRunner.rebuild` empties the live tables and refills them, so readers see a model
that fills up again. Here the new copy is built in a scratch space (projections/scratch.py:
a SQLite file of its own, or a PostgreSQL schema of its own) while the live copy keeps being
served and followed. Then, in ONE transaction of the live read store:

1. the live projection's tracking lock is taken (the one every batch of its followers takes:
   SQLite `BEGIN IMMEDIATE`, PostgreSQL `FOR UPDATE` on its projection_positions row), so its
   followers wait and no batch lands in between;
2. the head of the log is read under that lock (SQLite: the write lock holds back every insert;
   PostgreSQL: inserts are serialised by a table lock, so every event at or below the head read
   now has committed and every later one gets a larger id);
3. the live tables are replaced by the copy (SQLite: dropped, created from the projection's
   DDL and filled from the attached scratch file; PostgreSQL: dropped, and the copy's tables
   moved over with `ALTER TABLE ... SET SCHEMA`, indexes and constraints going along);
4. the events between the copy's position and that head are applied to the new live tables,
   and the live position is set to the head.

Readers keep reading the old tables until the commit (SQLite WAL snapshots; PostgreSQL's DDL
is transactional), then read the new ones. Whatever goes wrong, or a Ctrl-C, rolls the swap
back: live is untouched and the scratch space is dropped. Only one rebuild of a projection runs
at a time (projections/rebuild_guard.py); a scratch space left by a killed one is dropped by the
next.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Notification

from domain.app import SkyLedger
from projections.base import Projection
from projections.rebuild_guard import RebuildGuard
from projections.runner import ProjectionRunner
from projections.scratch import ScratchSpace
from projections.store import DatabaseLocation, ReadCursor, ReadStore

Progress = Callable[[int, int], None]
PREFIX = "rebuild-"
# The swap holds the live lock: fail clearly rather than wait for ever on a stuck reader
# (PostgreSQL's DROP TABLE needs every open transaction that read the table to end).
LOCK_TIMEOUT = 30.0


@dataclass(frozen=True)
class SwapResult:
    name: str
    position: int  # the live position after the swap (the head under the lock)
    built: int  # the copy's position when the swap began
    tail: int  # events applied under the lock (the copy's lag when the swap began)
    seconds: float
    swap_seconds: float  # how long the live lock was held


def space_for(database: DatabaseLocation, name: str) -> ScratchSpace:
    return ScratchSpace(database, PREFIX + name)


class ShadowRebuild:
    """`ShadowRebuild(app, live_store, database, projection).run(progress)`."""

    def __init__(self, app: SkyLedger, live: ReadStore, database: DatabaseLocation,
                 projection: Projection, batch_size: int = 500) -> None:
        self.app = app
        self.live = live
        self.database = database
        # A fresh instance: the live followers keep theirs (projections hold no state, but a
        # rebuild must not depend on that).
        self.projection = type(projection)()
        self.name = projection.name
        self.batch_size = max(1, batch_size)
        self.space = space_for(database, self.name)

    def run(self, progress: Progress | None = None,
            before_swap: Callable[[], None] | None = None) -> SwapResult:
        """Build, then swap; raises RebuildRunning when another rebuild holds the guard.
        `before_swap` runs between the build and the swap (tests pause there)."""
        started = time.monotonic()
        with RebuildGuard(self.space, self.name):
            # Nobody else can be using it now: whatever is there was left by a killed rebuild.
            self.space.drop()
            try:
                built = self.build(progress)
                if before_swap is not None:
                    before_swap()
                swap_started = time.monotonic()
                position, tail = self.swap(built)
                swap_seconds = time.monotonic() - swap_started
            finally:
                self.space.drop()
        if progress is not None:
            progress(position, position)
        return SwapResult(self.name, position, built, tail, time.monotonic() - started,
                          swap_seconds)

    def build(self, progress: Progress | None = None) -> int:
        """The copy, caught up (without any live lock) to the head, twice: the second pass
        takes what arrived during the first, so that little is left for the swap's lock."""
        store = self.space.open()
        try:
            runner = ProjectionRunner(self.app, store, self.projection, self.batch_size)
            runner.create_tables()
            runner.catch_up(progress=progress)
            return runner.catch_up(progress=progress)
        finally:
            store.close()

    def swap(self, built: int) -> tuple[int, int]:
        """Replace the live copy by the built one in one transaction; (head, events applied)."""
        if self.database.is_postgres:
            return self._swap_postgres(built)
        return self._swap_sqlite(built)

    def _swap_postgres(self, built: int) -> tuple[int, int]:
        live, scratch = quoted(self.space.live_schema), quoted(self.space.schema)
        with self.live.transaction() as cur:
            cur.execute(f"SET LOCAL lock_timeout = '{int(LOCK_TIMEOUT * 1000)}ms'")
            cur.execute(f"SELECT position FROM {live}.projection_positions WHERE name = ?"
                        " FOR UPDATE", (self.name,))
            head = self.app.head()  # read under the lock: see the module's docstring
            for table in self.projection.tables:
                cur.execute(f"DROP TABLE IF EXISTS {live}.{table}")
            for table in self.projection.tables:
                cur.execute(f"ALTER TABLE {scratch}.{table} SET SCHEMA {live}")
            # Unqualified names in the projection's SQL resolve through the live store's
            # search_path, i.e. to the tables just moved in.
            tail = self._apply(cur, built, head, self._pg_notifications)
            self._set_position(cur, head, f"{live}.")
        return head, tail

    def _swap_sqlite(self, built: int) -> tuple[int, int]:
        conn = sqlite3.connect(self.database.sqlite_path(), timeout=LOCK_TIMEOUT,
                               isolation_level=None, check_same_thread=False)
        try:
            # ATTACH is refused inside a transaction; the write lock then covers both files.
            conn.execute("ATTACH DATABASE ? AS scratch", (str(self.space.path),))
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = ReadCursor(conn.cursor(), "?")
                # The log is read through this connection: holding the file's write lock while
                # waiting for an event-store connection can deadlock (see run_batch).
                row = cur.execute(f"SELECT COALESCE(MAX(rowid), 0) AS head"
                                  f" FROM main.{self._events_table}").one()
                head = int(row["head"]) if row else 0
                for table in self.projection.tables:
                    cur.execute(f"DROP TABLE IF EXISTS main.{table}")
                for statement in self.projection.ddl:
                    cur.execute(statement)  # unqualified CREATE: into main, the live file
                for table in self.projection.tables:
                    cur.execute(f"INSERT INTO main.{table} SELECT * FROM scratch.{table}")
                # Unqualified names find main's tables before the attached file's.
                tail = self._apply(cur, built, head, self._sqlite_notifications(cur))
                self._set_position(cur, head, "main.")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()
        return head, tail

    @property
    def _events_table(self) -> str:
        return str(getattr(self.app.recorder, "events_table_name", "stored_events"))

    def _apply(self, cur: ReadCursor, start: int, head: int,
               select: Callable[[int, int], list[Notification]]) -> int:
        """Apply the notifications in (start, head] to the live tables; how many were read."""
        count, position = 0, start
        while position < head:
            notifications = select(position, head)
            if not notifications:
                break
            for notification in notifications:
                self.projection.apply(cur, self.app.mapper.to_domain_event(notification),
                                      notification.id)
            count += len(notifications)
            position = notifications[-1].id
        return count

    def _pg_notifications(self, after: int, head: int) -> list[Notification]:
        return list(self.app.recorder.select_notifications(
            start=after + 1, limit=self.batch_size, stop=head, topics=self.projection.topics()))

    def _sqlite_notifications(self, cur: ReadCursor) -> Callable[[int, int], list[Notification]]:
        topics = self.projection.topics()
        only = f" AND topic IN ({', '.join('?' for _ in topics)})" if topics else ""
        sql = (f"SELECT rowid AS id, originator_id, originator_version, topic, state"
               f" FROM main.{self._events_table} WHERE rowid > ? AND rowid <= ?{only}"
               f" ORDER BY rowid LIMIT ?")
        # The SQLite recorder has it; the ApplicationRecorder interface does not declare it.
        convert: Callable[[Any], Any] = self.app.recorder.convert_originator_id  # type: ignore[attr-defined]

        def select(after: int, head: int) -> list[Notification]:
            rows = cur.execute(sql, (after, head, *topics, self.batch_size)).rows()
            return [Notification(id=row["id"], originator_id=convert(row["originator_id"]),
                                 originator_version=row["originator_version"],
                                 topic=row["topic"], state=row["state"]) for row in rows]

        return select

    def _set_position(self, cur: ReadCursor, head: int, schema: str) -> None:
        cur.execute(f"INSERT INTO {schema}projection_positions (name, position) VALUES (?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                    (self.name, head))


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
