"""`python -m bench` / `skyledger bench`: every benchmark in bench/, one table of figures.

Each benchmark module offers `figures(quick)`: it measures both sides of its comparison in the
same run and returns the figures with their targets (bench/figures.py). The suite runs them one
after the other with a progress bar, keeps what they print to stdout for `--verbose` (their own
progress bars still go to stderr), and prints one table: figure, measured, target, ratio,
pass/fail. A benchmark that cannot run here (no root for namespaces, no PostgreSQL) gets a row
that says why instead of stopping the rest. The exit status is 0 whatever the figures say:
benchmarks inform, they never gate (nor are they part of the test suite).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.figures import Failure, Figure, table
from ops.progress import Progress, format_duration


@dataclass(frozen=True)
class Benchmark:
    name: str
    module: str
    what: str

    def figures(self, quick: bool) -> list[Figure]:
        measure: Callable[[bool], list[Figure]] = importlib.import_module(self.module).figures
        return measure(quick)


BENCHMARKS = (
    Benchmark("scheduler", "bench.scheduler", "indexed scheduler vs a linear scan"),
    Benchmark("event_append", "bench.event_append", "event appends vs raw psycopg (PostgreSQL)"),
    Benchmark("aggregate_load", "bench.aggregate_load", "ledger load with vs without snapshots"),
    Benchmark("group_load", "bench.group_load",
              "default security group and network load after 2,000 boots vs 100"),
    Benchmark("network", "bench.network", "segments+bridges: pyroute2 adapter vs ip link (root)"),
    Benchmark("network_agent", "bench.network_agent_batching",
              "agent catch-up, 30 servers: planned per batch vs per event (root, PostgreSQL)"),
    Benchmark("api_boot", "bench.api_boot", "boots through the REST API at 50 clients"),
)


def parse_args(argv: list[str] | None, prog: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog=prog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every benchmark in bench/ and print one table: figure, measured, "
                    "target,\nratio (measured/target) and pass/fail. Always exits 0: "
                    "benchmarks inform, they\nnever gate. PostgreSQL for event_append: "
                    "$SKYLEDGER_BENCH_PG (default the local\nserver's 'postgres' database).",
        epilog="benchmarks:\n" + "\n".join(f"  {b.name:<15} {b.what}" for b in BENCHMARKS)
               + "\n\nEach also runs alone with its own options: python -m bench.NAME --help")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   choices=[b.name for b in BENCHMARKS], help="run just this one (repeatable)")
    p.add_argument("--quick", action="store_true",
                   help="smaller sizes (minutes instead of several): rougher figures")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print each benchmark's own report after the table")
    return p.parse_args(argv)


def run(chosen: list[Benchmark], quick: bool) -> tuple[list[Figure | Failure], dict[str, str]]:
    rows: list[Figure | Failure] = []
    reports: dict[str, str] = {}
    with Progress(len(chosen), "benchmarks", unit="benchmarks", tty=sys.stderr.isatty()) as bar:
        for done, bench in enumerate(chosen):
            print(f"[{done + 1}/{len(chosen)}] {bench.name}: {bench.what}", file=sys.stderr,
                  flush=True)
            captured = io.StringIO()
            started = time.monotonic()
            try:
                with contextlib.redirect_stdout(captured):
                    rows += bench.figures(quick)
            except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the rest
                rows.append(Failure(bench.name, f"error: {type(error).__name__}: {error}"[:120]))
            reports[bench.name] = captured.getvalue()
            print(f"[{done + 1}/{len(chosen)}] {bench.name} took "
                  f"{format_duration(time.monotonic() - started)}", file=sys.stderr, flush=True)
            bar.update(done + 1)
    return rows, reports


def main(argv: list[str] | None = None, prog: str = "python -m bench") -> int:
    args = parse_args(argv, prog)
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    rows, reports = run(chosen, args.quick)
    print(table(rows))
    figures = [r for r in rows if isinstance(r, Figure)]
    print(f"{sum(f.passed for f in figures)} of {len(figures)} figures meet their targets"
          + (f"; {len(rows) - len(figures)} benchmark(s) could not run" if len(figures) < len(rows)
             else ""))
    if args.verbose:
        for name, text in reports.items():
            print(f"\n== {name}\n{text.rstrip()}")
    return 0
