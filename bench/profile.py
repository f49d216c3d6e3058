"""Profiling a benchmark's server while it runs: py-spy samples, and PostgreSQL's transactions.

`Profile` attaches py-spy (PyPI, the `bench` extra; it needs ptrace, so run as root) to a running
process and its children for the span of a `with` block, writing a flame graph (SVG), the same
samples as collapsed stacks (text, one stack per line with its count) and each thread's CPU time
from /proc: what bench/profile_breakdown.py sorts into parts. py-spy samples with --gil (only
the thread holding the GIL): its default counts every thread it sees runnable, and under GIL
contention, or on a machine whose cores are busy with other work, threads that wait for the GIL
or for a core are runnable most of the time, which drowns the CPU in waiting.

`Transactions` counts commits and rollbacks of one PostgreSQL database over a `with` block
(pg_stat_database; a backend reports its counts up to 10 s late, so each end of the block waits
11 s first).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

SAMPLES_PER_SECOND = 200
SVG_BUDGET = 200_000  # bytes: the graphs are committed (bench/profiles/)
# PostgreSQL 15 backends report their counts at most once a second, and an idle one within 10 s.
FLUSH_SECONDS = 11.0


class Profile:
    """py-spy over `pid` (and its subprocesses) from `__enter__` to `__exit__`: writes
    `{stem}.svg` and `{stem}.txt` (collapsed stacks) into `directory`."""

    def __init__(self, pid: int, directory: Path, stem: str) -> None:
        self.pid, self.directory, self.stem = pid, directory, stem
        self.samplers: list[subprocess.Popen[bytes]] = []

    @property
    def collapsed(self) -> Path:
        return self.directory / f"{self.stem}.txt"

    @property
    def threads(self) -> Path:
        return self.directory / f"{self.stem}-threads.json"

    def __enter__(self) -> Profile:
        beside = Path(sys.executable).parent / "py-spy"  # this venv's, when not on PATH
        spy = str(beside) if beside.exists() else shutil.which("py-spy")
        if spy is None:
            raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
        self.directory.mkdir(parents=True, exist_ok=True)
        # Two samplers over the same process: one draws the graph, one keeps the raw counts.
        # --nolineno merges a function's lines, which keeps the SVG to a few hundred KB.
        # The graph merges threads (ten API worker threads are one tower, not ten); the raw
        # counts keep them apart, to weigh each by its CPU time.
        for fmt, suffix, threads in (("flamegraph", "svg", ()), ("raw", "txt", ("--threads",))):
            self.samplers.append(subprocess.Popen(
                [spy, "record", "--pid", str(self.pid), "--subprocesses", *threads, "--gil",
                 "--nonblocking", "--nolineno", "--rate", str(SAMPLES_PER_SECOND), "--format", fmt,
                 "--output", str(self.directory / f"{self.stem}.{suffix}")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)  # attached before the measured phase begins
        self.threads_began = thread_cpu(self.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        ended = thread_cpu(self.pid)
        spent = {tid: cpu - self.threads_began.get(tid, 0.0) for tid, cpu in ended.items()}
        self.threads.write_text(json.dumps({
            "samples_per_second": SAMPLES_PER_SECOND,
            "threads": {tid: round(cpu, 3) for tid, cpu in spent.items() if cpu > 0}}))
        for sampler in self.samplers:
            sampler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        for sampler in self.samplers:
            try:
                sampler.wait(timeout=60)
            except subprocess.TimeoutExpired:
                sampler.kill()
                sampler.wait()
        svg = self.directory / f"{self.stem}.svg"
        if svg.exists():
            trim(svg, SVG_BUDGET)


FRAME = re.compile(r'<g><title>[^<]*</title><rect [^>]*fg:w="(\d+)"/><text [^>]*>[^<]*</text></g>')


def keep_wide(least: float, frame: re.Match[str]) -> str:
    return frame.group(0) if int(frame.group(1)) >= least else ""


def trim(svg: Path, budget: int) -> None:
    """Drop the flame graph's narrowest frames (0.1% of the samples, then 0.2%, ...) until the
    file is at most `budget` bytes: too narrow to read anyway, they make most of its size."""
    text = svg.read_text()
    total = int(re.search(r'total_samples="(\d+)"', text).group(1))  # type: ignore[union-attr]
    share = 0.001
    while len(text.encode()) > budget and share < 0.05:
        text = FRAME.sub(partial(keep_wide, total * share), text)
        share *= 2
    svg.write_text(text)


def thread_cpu(pid: int) -> dict[str, float]:
    """User + system CPU seconds of each thread of `pid`, by thread id (exact, where py-spy's
    samples are a sample); threads that ended are not there."""
    tick, spent = os.sysconf("SC_CLK_TCK"), {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        spent[task.name] = (int(fields[11]) + int(fields[12])) / tick
    return spent


class Transactions:
    """Commits and rollbacks in the database `url` names, over a `with` block, less what the
    idle server commits in the same time (heartbeats, polls) as measured just after."""

    def __init__(self, url: str) -> None:
        parts = urlparse(url.replace("postgres://", "postgresql://", 1))
        self.url = urlunparse(parts._replace(query=""))  # psycopg knows no `schema=`
        self.count, self.idle_per_second = 0.0, 0.0

    def read(self) -> int:
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                " WHERE datname = current_database()").fetchone()
        return int(row[0]) if row else 0

    def __enter__(self) -> Transactions:
        time.sleep(FLUSH_SECONDS)  # what came before is in the count
        self.began, self.clock = self.read(), time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(FLUSH_SECONDS)
        ended, seconds = self.read(), time.monotonic() - self.clock
        time.sleep(FLUSH_SECONDS)  # the server idle: what it commits without requests
        self.idle_per_second = max(0, self.read() - ended - 1) / FLUSH_SECONDS
        self.count = ended - self.began - self.idle_per_second * seconds


class Probe:
    """What bench/api_boot.py measures beyond its latencies: PostgreSQL's transactions per boot
    over the one-client phase (no watcher polling then, so the idle server's few are subtracted
    cleanly), and over the concurrent phase and the wait for ACTIVE the server's CPU time and,
    with `directory`, py-spy's samples."""

    def __init__(self, pid: int, cpu: Callable[[], float | None], directory: Path | None,
                 store: str, database_url: str | None) -> None:
        self.pid, self.cpu, self.directory = pid, cpu, directory
        self.stem = f"api_boot-{store}"
        self.database_url = database_url
        self.transactions: Transactions | None = None
        self.cpu_seconds = 0.0

    @contextmanager
    def solo(self) -> Iterator[None]:
        if not self.database_url:
            yield
            return
        with Transactions(self.database_url) as self.transactions:
            yield

    @contextmanager
    def concurrent(self) -> Iterator[None]:
        with Profile(self.pid, self.directory, self.stem) if self.directory else nullcontext():
            began = self.cpu() or 0.0
            yield
            self.cpu_seconds = (self.cpu() or 0.0) - began

    def summary(self, solo: int, boots: int) -> str:
        text = (f"profiled span (concurrent phase and the wait for ACTIVE): {boots} boots, "
                f"server CPU {self.cpu_seconds:.2f} s = "
                f"{self.cpu_seconds / max(1, boots) * 1000:.1f} ms per boot (process CPU time)")
        if self.directory is not None:
            text += (f"; samples in {self.directory / self.stem}.txt (python -m "
                     f"bench.profile_breakdown {self.directory / self.stem}.txt --boots {boots})")
        if self.transactions is not None and solo:
            count = self.transactions.count
            text += (f"\nPostgreSQL transactions over {solo} boots by one client until ACTIVE: "
                     f"{count:.0f} = {count / solo:.1f} per boot (the idle server's "
                     f"{self.transactions.idle_per_second:.1f}/s subtracted)")
        return text
