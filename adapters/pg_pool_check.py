"""How a connection pool checks a PostgreSQL connection before lending it.

`ping` is psycopg_pool's own check: an empty query, one round trip per checkout. A boot lent
connections 63 times, so that was a third of its round trips (bench/README.md).

`socket` (the default) asks the server only when the connection's socket has something to
read. An idle connection in a pool has nothing to read unless the server spoke first: a
restart, a crash or a terminated backend each leave a message or an end-of-file there (the
kernel closes a dead process's sockets), and then the empty query is sent, fails, and the pool
drops the connection and lends another, as with `ping`. A closed connection fails without a
look. What neither check can see is a peer that vanished without a word (a cut network): `ping`
would wait on it as the real query now does, until the connection's limits end the wait.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

MODES = ("socket", "ping")


def check_if_spoken_to(conn: psycopg.Connection[Any]) -> None:
    """Raise if the connection is unusable; a round trip only when the server sent something."""
    if conn.closed:
        raise psycopg.OperationalError("the pooled connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


def pool_check(mode: str) -> Callable[[psycopg.Connection[Any]], None]:
    if mode not in MODES:
        raise ValueError(f"pool check must be one of {', '.join(MODES)}, not {mode!r}")
    return check_if_spoken_to if mode == "socket" else ConnectionPool.check_connection
