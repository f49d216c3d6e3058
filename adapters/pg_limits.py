"""Time limits on everything that waits for PostgreSQL, so that a request fails within seconds
(503, api/errors.py) instead of hanging while the server is down, restarting or a table is
locked, and so that every process picks up again by itself once it is back.

PostgreSQL's own defaults are to wait forever (for a lock, for a statement). eventsourcing 9.5
waits POSTGRES_CONNECT_TIMEOUT for a pooled connection, and retries every recorder call ten
times on InterfaceError/OperationalError: with a 5 s pool wait that is about a minute before a
request hears that the database is gone. Here each call gets STORE_ATTEMPTS tries (the second
one covers a connection that broke under it, e.g. a server restart; the pool's check before
lending a connection, pg_pool_check.py, catches most of those first), and every connection
carries libpq's connect timeout and the session's lock and statement timeouts. All of these
are generous next to what a healthy server needs (milliseconds); rebuilds and replays work in
batches, so none of their statements comes near.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from eventsourcing.utils import retry

from adapters.pg_pool_check import pool_check
from adapters.pg_schema_lock import SerialisedCreateTable

CONNECT_TIMEOUT = 5  # libpq: establishing a new connection
POOL_TIMEOUT = 1  # waiting for a pooled connection (all busy, or none can be made)
LOCK_TIMEOUT = 2  # waiting for any lock, the event table's ordering lock above all
STATEMENT_TIMEOUT = 10  # any one statement
# How long a pool keeps retrying one new connection (psycopg_pool's default: 5 minutes) before
# giving up. Its retries back off exponentially and it starts no other while one is pending, so
# after an outage of a minute the next try could be half a minute away; given up quickly, the
# next request that needs a connection starts a fresh attempt at once.
RECONNECT_TIMEOUT = 2.0
STORE_ATTEMPTS = 2


def session_options() -> str:
    """libpq `options`: the session's lock and statement limits."""
    return f"-c lock_timeout={LOCK_TIMEOUT}s -c statement_timeout={STATEMENT_TIMEOUT}s"


def timeouts_conninfo() -> str:
    """The limits as conninfo words, for connections made outside eventsourcing's pool."""
    return f"connect_timeout={CONNECT_TIMEOUT} options='{session_options()}'"


def bounded(method: Callable[..., Any]) -> Callable[..., Any]:
    """eventsourcing's recorder method without its ten-fold retry, retried STORE_ATTEMPTS times."""
    unwrapped = getattr(method, "__wrapped__", method)
    return retry((InterfaceError, OperationalError), max_attempts=STORE_ATTEMPTS,  # type: ignore[no-any-return]
                 wait=0.2)(unwrapped)


class BoundedAggregateRecorder(SerialisedCreateTable, PostgresAggregateRecorder):
    """The snapshots table's recorder (made by one starting process at a time)."""

    insert_events = bounded(PostgresAggregateRecorder.insert_events)
    select_events = bounded(PostgresAggregateRecorder.select_events)


class BoundedApplicationRecorder(PostgresApplicationRecorder):
    insert_events = bounded(PostgresApplicationRecorder.insert_events)
    select_events = bounded(PostgresApplicationRecorder.select_events)
    select_notifications = bounded(PostgresApplicationRecorder.select_notifications)
    max_notification_id = bounded(PostgresApplicationRecorder.max_notification_id)


class TimeoutsPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL persistence with the limits above (PERSISTENCE_MODULE topic)."""

    aggregate_recorder_class = BoundedAggregateRecorder
    application_recorder_class = BoundedApplicationRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        # The pool is not open yet, so every connection it will ever make carries these.
        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)  # eventsourcing's datastore gives its pool a dict
        kwargs["connect_timeout"] = CONNECT_TIMEOUT
        kwargs["options"] = session_options()
        self.datastore.pool.reconnect_timeout = RECONNECT_TIMEOUT
        # POSTGRES_PRE_PING gave the pool psycopg_pool's ping; POSTGRES_POOL_CHECK may choose
        # the check without a round trip (pg_pool_check.py). psycopg_pool 3.3 keeps it in _check.
        self.datastore.pool._check = pool_check(
            env.get("POSTGRES_POOL_CHECK") or "socket")
