"""The read store: a connection to the event store's own database, for read models.

Read models live beside the events (same SQLite file, or same PostgreSQL schema) so that a
projection's rows and its tracking position commit in one transaction. SQL is written once with
`?` placeholders and portable `INSERT ... ON CONFLICT` upserts; the PostgreSQL flavour swaps the
placeholder style.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

Row = dict[str, Any]


class DatabaseLocation(Protocol):
    """Where the events and the live read models are (adapters.persistence.Database): what a
    rebuild or a replay needs to put a scratch space beside them."""

    @property
    def is_postgres(self) -> bool: ...

    def sqlite_path(self) -> str: ...

    def pg_parts(self) -> dict[str, str]: ...

    def conninfo(self) -> str: ...


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class ReadCursor:
    """Wraps a DB-API cursor: `?` placeholders everywhere, rows back as dicts."""

    def __init__(self, raw: Any, placeholder: str) -> None:
        self.raw = raw
        self.placeholder = placeholder

    def execute(self, sql: str, params: Sequence[Any] = ()) -> ReadCursor:
        if self.placeholder != "?":
            sql = sql.replace("%", "%%").replace("?", self.placeholder)
        self.raw.execute(sql, tuple(params))
        return self

    def rows(self) -> list[Row]:
        if self.raw.description is None:
            return []
        names = [d[0] for d in self.raw.description]
        return [dict(zip(names, r, strict=True)) for r in self.raw.fetchall()]

    def one(self) -> Row | None:
        rows = self.rows()
        return rows[0] if rows else None

    @property
    def rowcount(self) -> int:
        return int(self.raw.rowcount)


def is_unavailable(error: BaseException) -> bool:
    """The event or read store could not be reached or did not answer in time (connection
    lost, pool or statement timeout: adapters/pg_limits.py), as opposed to a read model that
    fails on an event. Retrying elsewhere at once would only wait out the same timeouts."""
    import psycopg
    from eventsourcing.persistence import InterfaceError, OperationalError

    return isinstance(error, InterfaceError | OperationalError | psycopg.OperationalError
                      | psycopg.InterfaceError)


class ReadStore:
    dialect: str

    @contextmanager
    def transaction(self) -> Iterator[ReadCursor]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    @contextmanager
    def schema_change(self) -> Iterator[ReadCursor]:
        """A transaction for `CREATE TABLE IF NOT EXISTS` and the like. On PostgreSQL that is not
        safe against a concurrent creator (the loser fails on pg_type's unique index), and
        several processes start on one new schema at once (API servers, workers of many hosts),
        so there they queue on one advisory lock per schema, held until commit, waiting longer
        than the connections' short lock timeout (adapters/pg_limits.py) allows. On SQLite,
        BEGIN IMMEDIATE already makes them queue."""
        with self.transaction() as cur:
            if self.dialect == "postgres":
                cur.execute("SET LOCAL lock_timeout = '60s'")
                cur.execute("SET LOCAL statement_timeout = '60s'")
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('skyledger-ddl'),"
                            " hashtext(current_schema()))")
            yield cur

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.transaction() as cur:
            return cur.execute(sql, params).rows()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        pass


class SQLiteReadStore(ReadStore):
    dialect = "sqlite"

    def __init__(self, path: str, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[ReadCursor]:
        conn = self._connection()
        # IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout
        # instead of one failing when it upgrades a read lock.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield ReadCursor(conn.cursor(), "?")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        # Reads need no write lock: autocommit mode reads a consistent WAL snapshot.
        return ReadCursor(self._connection().cursor(), "?").execute(sql, params).rows()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()


class PostgresReadStore(ReadStore):
    dialect = "postgres"

    def __init__(self, conninfo: str, schema: str | None = None, max_size: int = 10,
                 timeout: float = 30.0, reconnect_timeout: float = 300.0,
                 check: Callable[[Any], None] | None = None) -> None:
        from psycopg_pool import ConnectionPool

        def configure(conn: Any) -> None:
            if schema:
                conn.execute(f'SET search_path TO "{schema}"')

        # `timeout`: the longest wait for a connection (PoolTimeout after); `reconnect_timeout`:
        # how long one new connection is retried (adapters/pg_limits.py says why to keep it
        # short). The check pings a pooled connection before lending it, so after a database
        # restart the dead ones are replaced instead of failing one request each (`check`:
        # psycopg_pool's ping unless the caller has a cheaper one).
        self.pool = ConnectionPool(conninfo, min_size=1, max_size=max_size, configure=configure,
                                   open=True, kwargs={"autocommit": True}, timeout=timeout,
                                   reconnect_timeout=reconnect_timeout,
                                   check=check or ConnectionPool.check_connection)

    @contextmanager
    def transaction(self) -> Iterator[ReadCursor]:
        with self.pool.connection() as conn, conn.transaction():
            yield ReadCursor(conn.cursor(), "%s")

    def close(self) -> None:
        self.pool.close()


# How long a batch waits for another writer of the same projection
# (see ProjectionRunner._locked_position).
TRACKING_LOCK_WAIT_S = 30


def patient_tracking_lock(cur: ReadCursor, store: ReadStore) -> bool:
    """Lets this transaction wait TRACKING_LOCK_WAIT_S for tracking rows; True where rows are
    locked one by one (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if store.dialect != "postgres":
        return False
    cur.execute(f"SET LOCAL lock_timeout = '{TRACKING_LOCK_WAIT_S}s'")
    return True
