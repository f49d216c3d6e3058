"""Where the events live: a database URL turned into eventsourcing settings and a read store.

`sqlite:///relative/path` or `sqlite:////absolute/path` (SQLAlchemy's spelling) is the embedded
default; `postgresql://user:pw@host:port/db?schema=NAME` selects PostgreSQL, optionally inside one
schema (how tests and replays get a private copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from psycopg.sql import SQL, Identifier

from adapters.pg_limits import (
    LOCK_TIMEOUT,
    POOL_TIMEOUT,
    RECONNECT_TIMEOUT,
    BoundedApplicationRecorder,
    timeouts_conninfo,
)
from adapters.pg_pool_check import pool_check
from adapters.pg_schema_lock import SerialisedCreateTable
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore


class OrderedInsertRecorder(SerialisedCreateTable, BoundedApplicationRecorder):
    """eventsourcing's one-statement insert function, plus the table lock its default path takes.

    With POSTGRES_ENABLE_DB_FUNCTIONS a save is ONE round trip (`SELECT es_insert_events(...)`)
    instead of a pipelined BEGIN/LOCK/NOTIFY/INSERT/COMMIT; bench/event_append.py measures the
    difference. But 9.5.6's function omits `LOCK TABLE ... IN EXCLUSIVE MODE`, so two concurrent
    saves could commit notification ids out of order and a follower that has read id 11 would
    never see id 10 committed later. The lock serialises inserting transactions (insert order =
    commit order) exactly as the default path does; reads are not blocked by it.
    """

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_pg_function_insert_events = SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event}[])"
            " RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$"
            " BEGIN"
            "  SET LOCAL lock_timeout = '{lock_timeout}s';"
            "  LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;"
            "  NOTIFY {channel};"
            "  RETURN QUERY INSERT INTO {schema}.{table} AS t"
            "   (originator_id, originator_version, topic, state)"
            "   SELECT originator_id, originator_version, topic, state FROM unnest(events)"
            "   RETURNING notification_id;"
            " END;"
            " $BODY$"
        ).format(
            function=Identifier(self.pg_function_name_insert_events),
            lock_timeout=self.datastore.lock_timeout,
            channel=Identifier(self.channel_name),
            event=Identifier(self.stored_event_type_name),
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
        )
        index = self.create_insert_function_statement_index
        self.sql_create_statements[index] = self.sql_create_pg_function_insert_events


@dataclass(frozen=True)
class Database:
    url: str
    # The longest wait, in whole seconds, for a pooled connection, a new one included
    # (SKYLEDGER_DATABASE_POOL_TIMEOUT): pg_limits' 1 s unless a host needs longer to connect.
    pool_timeout: int = POOL_TIMEOUT
    # How a pool checks a connection before lending it (SKYLEDGER_DATABASE_POOL_CHECK):
    # adapters/pg_pool_check.py's `socket` (a round trip only when the server spoke) or `ping`.
    pool_check: str = "socket"

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")

    def pg_parts(self) -> dict[str, str]:
        u = urlparse(self.url)
        query = parse_qs(u.query)
        return {
            "dbname": (u.path or "/postgres").lstrip("/") or "postgres",
            "host": u.hostname or "127.0.0.1",
            "port": str(u.port or 5432),
            "user": unquote(u.username or "postgres"),
            "password": unquote(u.password or ""),
            "schema": query.get("schema", [""])[0],
        }

    def event_store_env(self) -> dict[str, str]:
        if not self.is_postgres:
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": self.sqlite_path(), "SQLITE_LOCK_TIMEOUT": "30"}
        p = self.pg_parts()
        env = {
            "PERSISTENCE_MODULE": "adapters.pg_limits:TimeoutsPostgresFactory",
            "POSTGRES_DBNAME": p["dbname"], "POSTGRES_HOST": p["host"], "POSTGRES_PORT": p["port"],
            "POSTGRES_USER": p["user"], "POSTGRES_PASSWORD": p["password"],
            # POOL_SIZE is the pool's minimum, opened eagerly by every process (and test); the
            # pool grows on demand to POOL_SIZE + MAX_OVERFLOW (30, as before).
            "POSTGRES_POOL_SIZE": "2", "POSTGRES_MAX_OVERFLOW": "28",
            # eventsourcing's CONNECT_TIMEOUT is its wait for a pooled connection; libpq's own
            # connect and statement limits are set by TimeoutsPostgresFactory (pg_limits.py).
            "POSTGRES_CONNECT_TIMEOUT": str(self.pool_timeout), "POSTGRES_PRE_PING": "y",
            "POSTGRES_POOL_CHECK": self.pool_check,
            "POSTGRES_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
            # One round trip per save, with the ordering lock kept (see OrderedInsertRecorder).
            "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
            "APPLICATION_RECORDER_TOPIC": "adapters.persistence:OrderedInsertRecorder",
        }
        if p["schema"]:
            env["POSTGRES_SCHEMA"] = p["schema"]
        return env

    def conninfo(self) -> str:
        p = self.pg_parts()
        return (f"dbname={p['dbname']} host={p['host']} port={p['port']} user={p['user']}"
                + (f" password={p['password']}" if p["password"] else ""))

    def read_store(self) -> ReadStore:
        if not self.is_postgres:
            return SQLiteReadStore(self.sqlite_path())
        return PostgresReadStore(f"{self.conninfo()} {timeouts_conninfo()}",
                                 check=pool_check(self.pool_check),
                                 schema=self.pg_parts()["schema"] or None,
                                 timeout=self.pool_timeout, reconnect_timeout=RECONNECT_TIMEOUT)
