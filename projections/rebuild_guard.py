"""One rebuild of a projection at a time, across processes and hosts.

Two rebuilds of the same read model would build into the same scratch space and swap one after
the other; the guard refuses the second at once instead. It is held for the whole rebuild and
is released by the operating system or the database server when its holder dies (a killed
rebuild never leaves it taken):

- PostgreSQL: a session-level `pg_try_advisory_lock` keyed on (live schema, projection) on a
  connection of its own; closing the connection, or losing it, releases it.
- SQLite: `flock` on `<data dir>/scratch/rebuild-NAME.lock`; the file stays (removing a lock
  file races with the next taker), the lock dies with the file descriptor.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from types import TracebackType
from typing import Any

from projections.scratch import ScratchSpace


class RebuildRunning(RuntimeError):
    """Another rebuild of this projection holds the guard."""


class RebuildGuard:
    def __init__(self, space: ScratchSpace, name: str) -> None:
        self.space = space
        self.name = name
        self._fd: int | None = None
        self._conn: Any = None

    @property
    def where(self) -> str:
        if self.space.database.is_postgres:
            return (f"advisory lock ('{self.space.live_schema}', '{self.name}') "
                    f"in database {self.space.database.pg_parts()['dbname']}")
        return str(self.lock_path)

    @property
    def lock_path(self) -> str:
        return str(self.space.path.with_suffix(".lock"))

    def acquire(self) -> RebuildGuard:
        taken = self._take_pg() if self.space.database.is_postgres else self._take_file()
        if not taken:
            raise RebuildRunning(f"a rebuild of {self.name} is already running "
                                 f"(it holds the {self.where})")
        return self

    def _take_file(self) -> bool:
        self.space.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _take_pg(self) -> bool:
        import psycopg

        conn = psycopg.connect(self.space.database.conninfo(), autocommit=True)
        row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s), hashtext(%s))",
                           (f"skyledger-rebuild:{self.space.live_schema}", self.name)).fetchone()
        if not (row and row[0]):
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the last descriptor drops the flock
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):  # a lost connection released it already
                conn.close()

    def __enter__(self) -> RebuildGuard:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
