"""Cold load of a long-lived ledger with and without snapshots, measured in one run.

    python -m bench.aggregate_load [--events 100000] [--interval 100] [--store sqlite|postgres]

Writes one project's QuotaLedger with `--events` events (claims and releases, saved in batches
so that writing takes ~30-60 s rather than minutes), with snapshots every `--interval` events
as SkyLedger takes them in production. Then loads it cold (no aggregate cache) through two
applications on the same store: one reads the latest snapshot plus the events after it, the
other has snapshots off and replays every event from zero. The loads alternate so background
noise hits both alike; the medians and their ratio are printed. Both loads must give the same
state, which is checked too. Prints measurements, never asserts; not part of the test suite.
Targets (`python -m bench`): a cold load from a snapshot within 50 ms, and at least ten times
faster than replaying every event.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from uuid import UUID

from adapters.persistence import Database
from bench.event_append import scratch_schema
from bench.figures import Figure
from domain.app import DEFAULT_SNAPSHOT_INTERVAL, SkyLedger
from domain.quota.ledger import QuotaLedger
from ops.progress import Progress

PROJECT = "bench-project"
# An empty AGGREGATE_CACHE_MAXSIZE turns the cache off: every get is a cold load.
NO_CACHE = {"AGGREGATE_CACHE_MAXSIZE": ""}
TARGET_LOAD_MS, TARGET_SPEEDUP = 50.0, 10.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.aggregate_load",
        description="Measure the cold load of a quota ledger with many events, from its latest "
                    "snapshot versus replayed from event zero, in one run, and print the ratio.")
    p.add_argument("--events", type=int, default=100_000, metavar="N",
                   help="events of the ledger (default 100000)")
    p.add_argument("--interval", type=int, default=DEFAULT_SNAPSHOT_INTERVAL, metavar="N",
                   help=f"snapshot every N events (default {DEFAULT_SNAPSHOT_INTERVAL}, "
                        "SKYLEDGER_SNAPSHOT_INTERVAL's default)")
    p.add_argument("--batch", type=int, default=500, metavar="N",
                   help="events per save while writing (default 500)")
    p.add_argument("--repeat", type=int, default=3, metavar="N",
                   help="cold loads of each kind; medians are compared (default 3)")
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                   help="sqlite: a file in a temporary directory (default); postgres: a fresh "
                        "schema, dropped after")
    p.add_argument("--database-url", default=None, metavar="URL",
                   help="with --store postgres: postgresql://user@host:port/db[?schema=NAME] "
                        "(default: database 'postgres' at 127.0.0.1)")
    return p.parse_args(argv)


@contextmanager
def scratch_store(store: str, url: str | None) -> Iterator[str]:
    if store == "postgres":
        with scratch_schema(url) as pg_url:
            yield pg_url
        return
    with tempfile.TemporaryDirectory(prefix="skyledger-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'events.sqlite'}"


def write_ledger(url: str, events: int, interval: int, batch: int) -> UUID:
    """A ledger of `events` events: Opened, then alternating claims and releases."""
    app = SkyLedger(env=Database(url).event_store_env(), snapshot_interval=interval)
    try:
        ledger = QuotaLedger(project_id=PROJECT)
        app.save(ledger)
        written = 1
        with Progress(events, "writing the ledger", stream=sys.stderr) as bar:
            while written < events:
                for _ in range(min(batch, events - written)):
                    if written % 2:
                        ledger.claim({"instances": 1, "cores": 2, "ram": 512})
                    else:
                        ledger.release({"instances": 1, "cores": 2, "ram": 512})
                    written += 1
                app.save(ledger)
                bar.update(written)
        return ledger.id
    finally:
        app.close()


def timed_load(app: SkyLedger, ledger_id: UUID) -> tuple[float, QuotaLedger]:
    started = time.perf_counter()
    ledger: QuotaLedger = app.repository.get(ledger_id)
    return time.perf_counter() - started, ledger


def measure(url: str, ledger_id: UUID, interval: int, repeat: int) -> dict[str, object]:
    env = {**Database(url).event_store_env(), **NO_CACHE}
    with_snapshots = SkyLedger(env=env, snapshot_interval=interval)
    replaying = SkyLedger(env=env, snapshot_interval=0)
    try:
        assert with_snapshots.snapshots is not None
        latest = list(with_snapshots.snapshots.get(ledger_id, desc=True, limit=1))
        snapshot_times: list[float] = []
        replay_times: list[float] = []
        with Progress(2 * repeat, "cold loads", unit="loads", stream=sys.stderr) as bar:
            for i in range(repeat):
                seconds, from_snapshot = timed_load(with_snapshots, ledger_id)
                snapshot_times.append(seconds)
                seconds, replayed = timed_load(replaying, ledger_id)
                replay_times.append(seconds)
                bar.update(2 * (i + 1))
        return {"version": replayed.version,
                "snapshot_version": latest[0].originator_version if latest else None,
                "same_state": vars(from_snapshot) == vars(replayed),
                "with": median(snapshot_times), "without": median(replay_times)}
    finally:
        with_snapshots.close()
        replaying.close()


def report(store: str, interval: int, write_seconds: float, result: dict[str, object]) -> None:
    with_s, without_s = float(result["with"]), float(result["without"])  # type: ignore[arg-type]
    print(f"store: {store}; ledger version: {result['version']}; snapshot interval: {interval}; "
          f"latest snapshot at version {result['snapshot_version']}; "
          f"written in {write_seconds:.1f} s")
    print(f"cold load from snapshot + later events: {with_s * 1000:10.2f} ms (median)")
    print(f"cold load replaying every event       : {without_s * 1000:10.2f} ms (median)")
    ratio = without_s / with_s if with_s else float("inf")
    print(f"ratio without/with snapshots          : {ratio:10.1f}x faster with snapshots")
    print(f"same state both ways                  : {result['same_state']}")


def figures(quick: bool) -> list[Figure]:
    """For `python -m bench`: a 100,000-event ledger (20,000 with --quick) on SQLite."""
    events = 20_000 if quick else 100_000
    with scratch_store("sqlite", None) as url:
        ledger_id = write_ledger(url, events, DEFAULT_SNAPSHOT_INTERVAL, 500)
        result = measure(url, ledger_id, DEFAULT_SNAPSHOT_INTERVAL, 3)
    with_s, without_s = float(result["with"]), float(result["without"])  # type: ignore[arg-type]
    return [Figure(f"ledger cold load from snapshot, {events:,} events", with_s * 1000, "ms",
                   TARGET_LOAD_MS),
            Figure(f"ledger load speed-up by snapshots, {events:,} events",
                   without_s / with_s if with_s else float("inf"), "x", TARGET_SPEEDUP,
                   lower_is_better=False)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    interval = max(1, args.interval)
    with scratch_store(args.store, args.database_url) as url:
        started = time.perf_counter()
        ledger_id = write_ledger(url, max(1, args.events), interval, max(1, args.batch))
        write_seconds = time.perf_counter() - started
        result = measure(url, ledger_id, interval, max(1, args.repeat))
    report(args.store, interval, write_seconds, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
