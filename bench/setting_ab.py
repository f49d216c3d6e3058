"""One setting's old value against its new one, measured in one run of bench/api_boot.py on
PostgreSQL: the shared part of the benchmarks of issue 18's levers (bench/pool_check.py,
bench/token_cache.py).

Runs api_boot's measurement four times, with the setting's environment variable at old, new,
new, old (each a fresh `skyledger serve` on a fresh schema; the order evens out a machine that
gets busier or quieter meanwhile), and prints for each the server's CPU time per boot over the
concurrent phase and PostgreSQL's transactions per boot over the one-client boots
(bench/profile.py), the transactions per second the idle server commits meanwhile (measured
by the probe), and its CPU time per second over `IDLE_S` seconds of nothing after the boots;
then the ratios new / old. Use a database of its own
(`--database-url postgresql://…/bench_perf`): its transaction count is then the server's alone.
Prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.api_boot import Plan, measure, start_server
from bench.api_boot_report import ProcessCpu
from bench.event_append import DEFAULT_ADMIN_URL, scratch_schema
from bench.profile import Probe

SOLO = 20
IDLE_S = 10.0


@dataclass(frozen=True)
class Sample:
    mode: str
    cpu_ms: float  # server CPU time per boot, concurrent phase
    transactions: float  # per boot, one client, until ACTIVE
    throughput: float  # boots/s, concurrent phase
    idle_tps: float  # transactions per second of the idle server
    idle_cpu_ms: float  # the idle server's CPU time per second, after the boots

    def row(self) -> str:
        return (f"{self.mode:>7}  {self.cpu_ms:8.1f} ms CPU/boot  {self.transactions:6.1f} "
                f"transactions/boot  {self.throughput:6.1f} boots/s  idle: "
                f"{self.idle_tps:5.1f} transactions/s {self.idle_cpu_ms:6.1f} ms CPU/s")


def one_run(variable: str, mode: str, clients: int, boots: int, database_url: str) -> Sample:
    os.environ[variable] = mode  # start_server passes os.environ on
    with tempfile.TemporaryDirectory(prefix="skyledger-bench-") as tmp, \
            scratch_schema(database_url) as url:
        server = start_server(Path(tmp), url)
        try:
            cpu = ProcessCpu([server.process.pid])
            probe = Probe(server.process.pid, cpu.seconds, None, "postgres", url)
            results = measure(server.url, Plan(clients, boots, 1, 1, 0.05, 60.0, SOLO), cpu,
                              probe)
            idle_from = cpu.seconds() or 0.0
            time.sleep(IDLE_S)
            idle_cpu_ms = ((cpu.seconds() or 0.0) - idle_from) / IDLE_S * 1000
        finally:
            server.stop()
    counted = probe.transactions.count if probe.transactions else float("nan")
    idle_tps = probe.transactions.idle_per_second if probe.transactions else float("nan")
    return Sample(mode, (results.cpu_seconds or 0.0) / max(1, len(results.to_202)) * 1000,
                  counted / SOLO, results.throughput, idle_tps, idle_cpu_ms)


def ratios(samples: list[Sample], old: str, new: str) -> str:
    def mean(mode: str, figure: str) -> float:
        return statistics.fmean(getattr(s, figure) for s in samples if s.mode == mode)
    lines = []
    for figure, what in (("cpu_ms", "server CPU per boot"),
                         ("transactions", "transactions per boot"),
                         ("throughput", "boots/s (wall clock: the busiest figure to trust)"),
                         ("idle_tps", "idle server's transactions per second"),
                         ("idle_cpu_ms", "idle server's CPU time per second (ms)")):
        before, after = mean(old, figure), mean(new, figure)
        ratio = after / before if before else float("nan")
        lines.append(f"{what}: {new} {after:.1f} / {old} {before:.1f} = {ratio:.2f}")
    return "\n".join(lines)


def main(variable: str, old: str, new: str, doc: str, argv: list[str] | None = None) -> int:
    """The command line of a benchmark of `variable` set to `old` against `new`."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--boots", type=int, default=20, help="per client")
    p.add_argument("--database-url", default=os.environ.get("SKYLEDGER_BENCH_PG",
                                                            DEFAULT_ADMIN_URL))
    args = p.parse_args(argv)
    samples = []
    for mode in (old, new, new, old):
        print(f"{variable}={mode}: {args.clients} clients x {args.boots} boots ...",
              file=sys.stderr, flush=True)
        samples.append(one_run(variable, mode, args.clients, args.boots, args.database_url))
    print("\n".join(s.row() for s in samples))
    print(ratios(samples, old, new))
    return 0
