"""One process at a time creates eventsourcing's tables in a PostgreSQL schema.

API servers and the workers of many hosts may start together on one schema. eventsourcing's
CREATE TYPE / CREATE TABLE IF NOT EXISTS / CREATE OR REPLACE FUNCTION are not safe against a
concurrent creator: on a new schema the loser fails on pg_type's unique index, on an existing
one replacing the insert function fails with "tuple concurrently updated". Each recorder's
creation therefore queues on a session advisory lock per schema, held by a connection of its
own (not one of the pool, which may be only as large as the creation needs) and gone with it.
The read store's tables queue the same way (ReadStore.schema_change).
"""

from __future__ import annotations

from typing import Any

import psycopg

# How long a starting process waits for the others to create their tables: longer than the
# pool connections' short lock timeout (pg_limits.py), as several processes may queue here.
DDL_WAIT_S = 60


class SerialisedCreateTable:
    """Mixin for eventsourcing's PostgreSQL recorders (before the recorder class)."""

    datastore: Any

    def create_table(self) -> None:
        params = {k: v for k, v in self.datastore.pool.kwargs.items() if k != "row_factory"}
        with psycopg.connect(autocommit=True, **params) as conn:
            conn.execute(f"SET lock_timeout = '{DDL_WAIT_S}s'")
            conn.execute(f"SET statement_timeout = '{DDL_WAIT_S}s'")
            conn.execute("SELECT pg_advisory_lock(hashtext('skyledger-events-ddl'), hashtext(%s))",
                         (self.datastore.schema,))
            super().create_table()  # type: ignore[misc]
