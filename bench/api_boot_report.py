"""What bench/api_boot.py prints: latencies, throughput, CPU per boot, and what they imply.

A closed loop of C clients (each POSTs again as soon as it has its answer) obeys Little's law:
C = throughput x mean latency. So the time to 202 under load says as much about throughput as
about any one request: at 50 clients, 20 ms needs 2,500 boots/s. The report prints the
throughput and the server CPU that one boot costs, and from them the best p50 the machine's
cores could give at that concurrency, next to the single-client latency (the request's own
cost with nobody queued ahead of it).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

TARGET_P50_MS, TARGET_P99_MS = 20.0, 100.0


@dataclass
class Results:
    accepted: dict[str, float] = field(default_factory=dict)  # server id -> POST start
    to_202: list[float] = field(default_factory=list)  # ms
    finished: dict[str, tuple[float, str]] = field(default_factory=dict)  # id -> (when, status)
    refused: Counter[str] = field(default_factory=Counter)
    solo_202: list[float] = field(default_factory=list)  # ms, one client alone
    seconds: float = 0.0  # wall time of the concurrent phase
    cpu_seconds: float | None = None  # server-side CPU in that phase (None: not measurable)
    lock: Lock = field(default_factory=Lock)

    @property
    def throughput(self) -> float:
        return len(self.to_202) / self.seconds if self.seconds > 0 else 0.0


class ProcessCpu:
    """User + system CPU seconds of some processes and all their descendants (uvicorn workers),
    read from /proc; None where there is no /proc."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def seconds(self) -> float | None:
        proc = Path("/proc")
        if not proc.is_dir():
            return None
        tick = os.sysconf("SC_CLK_TCK")
        stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, cpu seconds)
        for entry in proc.iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # gone meanwhile
                    continue
                stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12]))
                                          / tick)
        wanted, total, frontier = set(self.pids), 0.0, list(self.pids)
        while frontier:
            pid = frontier.pop()
            total += stats.get(pid, (0, 0.0))[1]
            children = [p for p, (parent, _) in stats.items() if parent == pid and p not in wanted]
            wanted.update(children)
            frontier += children
        return total


class Phase:
    """Times the concurrent phase: wall clock and server CPU."""

    def __init__(self, cpu: ProcessCpu, results: Results) -> None:
        self.cpu, self.results = cpu, results

    def __enter__(self) -> Phase:
        self.began, self.cpu_began = time.perf_counter(), self.cpu.seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.results.seconds = time.perf_counter() - self.began
        cpu = self.cpu.seconds()
        if cpu is not None and self.cpu_began is not None:
            self.results.cpu_seconds = cpu - self.cpu_began


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def log_errors(log: Path) -> list[tuple[str, int]]:
    """The most frequent exception lines of the server's log, to say why requests failed."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()
             if "Error:" in line and not line.startswith(" ")]
    return Counter(line[:160] for line in lines).most_common(3)


def report(results: Results, clients: int, boots: int, poll: float, store: str,
           errors: list[tuple[str, int]]) -> None:
    p50, p99 = percentile(results.to_202, 0.5), percentile(results.to_202, 0.99)
    print(f"{clients} clients x {boots} boots on {store}")
    print(f"202 Accepted: {len(results.to_202)}; refused: {dict(results.refused) or 0}")
    if results.solo_202:
        print(f"one client alone ({len(results.solo_202)} boots): time to 202 p50 "
              f"{percentile(results.solo_202, 0.5):8.1f} ms  p99 "
              f"{percentile(results.solo_202, 0.99):8.1f} ms")
    print(f"time to 202   : p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  "
          f"max {max(results.to_202, default=0):8.1f} ms")
    report_active(results, poll)
    report_capacity(results, clients)
    if errors:
        print("server log errors: " + "; ".join(f"{n} x {line}" for line, n in errors))
    ok = p50 <= TARGET_P50_MS and p99 <= TARGET_P99_MS
    print(f"target 202 <= {TARGET_P50_MS:.0f} ms p50 and <= {TARGET_P99_MS:.0f} ms p99 at "
          f"{clients} clients: {'meets' if ok else 'misses'} target")


def report_active(results: Results, poll: float) -> None:
    to_active = [(results.finished[i][0] - began) * 1000.0
                 for i, began in results.accepted.items()
                 if results.finished.get(i, (0.0, ""))[1] == "ACTIVE"]
    statuses = Counter(status for _, status in results.finished.values())
    pending = len(results.accepted) - sum(1 for i in results.accepted if i in results.finished)
    print(f"time to ACTIVE: p50 {percentile(to_active, 0.5):8.1f} ms  p99 "
          f"{percentile(to_active, 0.99):8.1f} ms  (seen by a watcher polling every "
          f"{poll * 1000:.0f} ms); ACTIVE {statuses['ACTIVE']}, ERROR {statuses['ERROR']}, "
          f"not finished {pending}")


def report_capacity(results: Results, clients: int) -> None:
    """Throughput, CPU per boot, and the p50 that Little's law allows with them."""
    rate = results.throughput
    print(f"throughput    : {rate:8.1f} boots/s over {results.seconds:.2f} s; Little's law: "
          f"{clients} clients / {rate:.1f} per s = {clients / rate * 1000 if rate else 0:.0f} "
          "ms mean time to 202")
    cores = os.cpu_count() or 1
    if results.cpu_seconds is None or not results.to_202:
        return
    per_boot = results.cpu_seconds / len(results.to_202)
    ceiling = cores / per_boot if per_boot > 0 else float("inf")
    needed = clients / (TARGET_P50_MS / 1000.0)
    print(f"server CPU    : {per_boot * 1000:8.1f} ms per boot (API, embedded compute and "
          f"compute processes; not the database server's own). {cores} cores at that cost: "
          f"<= {ceiling:,.0f} boots/s, so p50 >= ~{clients / ceiling * 1000:,.0f} ms at "
          f"{clients} clients; {TARGET_P50_MS:.0f} ms there needs {needed:,.0f} boots/s, "
          f"<= {cores / needed * 1000:.2f} ms of CPU per boot")
