"""Events appended per second through skyledger versus raw psycopg, measured in one run.

    python -m bench.event_append [--events 5000] [--database-url postgresql://...]

skyledger side: what a realistic command does, one aggregate (a Project, with the request context
in its `meta`) created and saved through `SkyLedger.save`, so one event in one transaction each,
with the production persistence settings from adapters/persistence.py.
Raw side: psycopg `INSERT` + `COMMIT` of rows of the same size (the same topic and state bytes
as a real event) into a table shaped like eventsourcing's events table (same columns, primary
key and notification id index). The two sides run in alternating chunks so that background noise
hits both alike. Target: skyledger / raw >= 0.5. Prints measurements, never asserts.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import median
from urllib.parse import urlencode, urlparse, urlunparse

import psycopg

from adapters.persistence import Database
from adapters.settings import Settings
from bench.figures import Figure
from domain.app import SkyLedger
from domain.context import RequestContext, bound
from domain.identity.project import Project
from ops.progress import Progress

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET = 0.5


@dataclass
class Result:
    events: int
    app_seconds: float = 0.0
    raw_seconds: float = 0.0
    state_bytes: int = 0
    # (skyledger seconds, raw seconds) of each pair of chunks run back to back.
    rounds: list[tuple[float, float]] = field(default_factory=list)

    def add(self, app_seconds: float, raw_seconds: float) -> None:
        self.app_seconds += app_seconds
        self.raw_seconds += raw_seconds
        self.rounds.append((app_seconds, raw_seconds))

    @property
    def ratio(self) -> float:
        return self.app_rate / self.raw_rate if self.raw_rate else 0.0

    def round_ratios(self) -> list[float]:
        """Per pair of chunks: other load on the machine hits both sides of a pair alike."""
        return sorted(raw / app for app, raw in self.rounds if app > 0)

    @property
    def app_rate(self) -> float:
        return self.events / self.app_seconds if self.app_seconds else 0.0

    @property
    def raw_rate(self) -> float:
        return self.events / self.raw_seconds if self.raw_seconds else 0.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.event_append",
        description="Measure events appended per second through skyledger's application "
                    "(one aggregate, one event, one transaction each) against raw psycopg "
                    f"INSERT+COMMIT of same-sized rows, in one run. Target ratio >= {TARGET}.")
    p.add_argument("--events", type=int, default=5000, metavar="N",
                   help="events appended by each side (default 5000)")
    p.add_argument("--chunk", type=int, default=50, metavar="N",
                   help="events per chunk; the sides alternate chunk by chunk (default 50)")
    p.add_argument("--database-url", default=bench_pg(), metavar="URL",
                   help="postgresql://user@host:port/db[?schema=NAME] (default: "
                        "$SKYLEDGER_BENCH_PG, else a fresh schema in database 'postgres' at "
                        "127.0.0.1). Without ?schema= a fresh schema is created and dropped.")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra eventsourcing setting for the skyledger side, e.g. "
                        "POSTGRES_PRE_PING=n (repeatable)")
    return p.parse_args(argv)


def bench_pg() -> str | None:
    """$SKYLEDGER_BENCH_PG: where the benchmarks' PostgreSQL schemas go (None: the default)."""
    return Settings.from_env().bench_pg


@contextmanager
def scratch_schema(url: str | None) -> Iterator[str]:
    """The URL to use: as given when it names a schema, else with a fresh schema dropped after."""
    url = url or DEFAULT_ADMIN_URL
    if "schema=" in (urlparse(url).query or ""):
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = url.replace("postgres://", "postgresql://", 1)
    # One connection kept from CREATE to DROP: the drop must not depend on getting a new one.
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield urlunparse(urlparse(plain)._replace(query=urlencode({"schema": schema})))
        finally:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def raw_table_ddl(table: str) -> list[str]:
    # The shape of eventsourcing's PostgreSQL events table (9.5): same columns, key and index.
    name = table.split(".")[-1].strip('"')
    return [
        f"CREATE TABLE {table} (originator_id uuid NOT NULL,"
        " originator_version bigint NOT NULL, topic text, state bytea,"
        " notification_id bigserial, PRIMARY KEY (originator_id, originator_version))",
        f'CREATE UNIQUE INDEX "{name}_notification_id_idx" ON {table} (notification_id ASC)',
    ]


class AppSide:
    def __init__(self, database: Database, overrides: dict[str, str]) -> None:
        self.app = SkyLedger(env={**database.event_store_env(), **overrides})
        self.ctx = RequestContext(user_id=uuid.uuid4().hex, project_id=uuid.uuid4().hex)
        self.count = 0

    def sample(self) -> tuple[str, bytes]:
        """Topic and state of a real event, for the raw side's same-sized rows."""
        with bound(self.ctx):
            project = Project("bench-sample", "default", "", True)
        stored = self.app.mapper.to_stored_event(project.collect_events()[0])
        return stored.topic, stored.state

    def append(self, n: int) -> float:
        started = time.perf_counter()
        with bound(self.ctx):
            for _ in range(n):
                self.count += 1
                self.app.save(Project(f"bench-{self.count:08d}", "default", "", True))
        return time.perf_counter() - started


class RawSide:
    def __init__(self, database: Database, topic: str, state: bytes) -> None:
        # A name of its own, dropped after, in case --database-url named a schema in use.
        self.table = f'"{database.pg_parts()["schema"]}"."raw_events_{uuid.uuid4().hex[:8]}"'
        self.conn = psycopg.connect(database.conninfo())
        for statement in raw_table_ddl(self.table):
            self.conn.execute(statement)
        self.conn.commit()
        self.insert = (f"INSERT INTO {self.table} (originator_id, originator_version,"
                       " topic, state) VALUES (%s, %s, %s, %s)")
        self.topic, self.state = topic, state

    def close(self) -> None:
        self.conn.rollback()
        self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.conn.commit()
        self.conn.close()

    def append(self, n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            self.conn.execute(self.insert, (uuid.uuid4(), 1, self.topic, self.state))
            self.conn.commit()
        return time.perf_counter() - started


def measure(url: str, events: int, chunk: int, overrides: dict[str, str]) -> Result:
    database = Database(url)
    app = AppSide(database, overrides)
    topic, state = app.sample()
    raw = RawSide(database, topic, state)
    result = Result(events=events, state_bytes=len(state))
    try:
        # Warm up both: connections, prepared statements, caches.
        app.append(50)
        raw.append(50)
        with Progress(2 * events, "appending", stream=sys.stderr) as bar:
            done = 0
            while done < events:
                n = min(chunk, events - done)
                result.add(app.append(n), raw.append(n))
                done += n
                bar.update(2 * done)
    finally:
        raw.close()
        app.app.close()
    return result


def report(result: Result, url: str, overrides: dict[str, str]) -> None:
    ratio = result.ratio
    ratios = result.round_ratios()
    where = urlparse(url)
    print(f"database: {where.hostname}:{where.port or 5432}{where.path} ({where.query})")
    print(f"events per side: {result.events}; event state: {result.state_bytes} bytes"
          + (f"; settings: {overrides}" if overrides else ""))
    print(f"skyledger SkyLedger.save : {result.app_rate:8,.0f} events/s "
          f"({result.app_seconds:.2f} s)")
    print(f"raw psycopg INSERT+COMMIT: {result.raw_rate:8,.0f} rows/s   "
          f"({result.raw_seconds:.2f} s)")
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"ratio skyledger/raw      : {ratio:8.2f} (target >= {TARGET}: {verdict})")
    if ratios:
        print(f"  per chunk pair ({len(ratios)}): median {median(ratios):.2f}, "
              f"min {ratios[0]:.2f}, max {ratios[-1]:.2f} (a wide spread means a busy machine)")


def figures(quick: bool) -> list[Figure]:
    """For `python -m bench`: the ratio to raw inserts, on PostgreSQL (SKYLEDGER_BENCH_PG)."""
    with scratch_schema(bench_pg()) as url:
        result = measure(url, 1000 if quick else 5000, 50, {})
    return [Figure("event appends skyledger/raw psycopg, PostgreSQL", result.ratio, "x", TARGET,
                   lower_is_better=False)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.env)
    with scratch_schema(args.database_url) as url:
        result = measure(url, args.events, max(1, args.chunk), overrides)
    report(result, url, overrides)
    return 0


if __name__ == "__main__":
    sys.exit(main())
