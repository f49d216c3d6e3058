"""Seeded random SIGKILLs of an OS process that a supervisor restarts each time.

A crash test is only as good as the moments it kills at; those come from a seeded generator, and
the seed is printed (pytest shows it with a failure) and can be replayed with
SKYLEDGER_CRASH_SEED=<seed>. Thread timing still varies from run to run, so a seed replays the
kill schedule, not the exact interleaving.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

BUSY_S = 5.0  # a process with nothing to do by then is killed idle
READY_S = 30.0  # a process not ready by then is killed anyway (and its log shows why)
Start = Callable[[], subprocess.Popen[bytes]]


def seeded_random(what: str) -> random.Random:
    seed = int(os.environ.get("SKYLEDGER_CRASH_SEED") or random.randrange(1 << 32))
    print(f"{what}: SKYLEDGER_CRASH_SEED={seed}")
    return random.Random(seed)


class Killer:
    """Runs the process `start` makes; in a thread, `kills` times: waits until it is ready (its
    log holds `ready_marker` once per start), then a random interval, SIGKILLs it (it must still
    be alive: a process that died by itself is a failure) and starts a new one at once.

    Waiting for readiness keeps the kills out of the interpreter's start-up, where they would
    test nothing but a process that never did anything. An action takes milliseconds and most
    of a worker's life is spent waiting for the next event, so a kill at a random moment nearly
    never lands inside one: with `busy_marker`, about half the kills wait, after their pause,
    for the process to log that marker anew and strike a random few milliseconds later, in the
    middle of the action it announced."""

    def __init__(self, start: Start, rng: random.Random, kills: int, log: Path,
                 ready_marker: str, interval_s: tuple[float, float] = (0.2, 1.5),
                 busy_marker: str | None = None) -> None:
        self.start_process, self.rng, self.log = start, rng, log
        self.planned, self.marker = kills, ready_marker.encode()
        self.busy = busy_marker.encode() if busy_marker else None
        self.pauses = [rng.uniform(*interval_s) for _ in range(kills)]
        # Per kill: None for a kill at the pause's end, else the delay after the busy marker.
        self.strikes = [rng.uniform(0.0, 0.02) if self.busy and rng.random() < 0.5 else None
                        for _ in range(kills)]
        self.mid_action = 0
        self.killed = self.started = 0
        self.died_by_itself: list[int] = []
        self._kill_made = threading.Condition()
        self.process = self._start()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="killer", daemon=True)

    def __enter__(self) -> Killer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        return self.start_process()

    def _ready(self) -> bool:
        text = self.log.read_bytes() if self.log.exists() else b""
        return text.count(self.marker) >= self.started or self.process.poll() is not None

    def _busy_again(self, delay: float) -> bool:
        """Waits (up to BUSY_S) for the busy marker to be logged anew, then `delay`."""
        assert self.busy is not None
        seen = self.log.read_bytes().count(self.busy)
        deadline = time.monotonic() + BUSY_S
        while self.log.read_bytes().count(self.busy) == seen:
            if time.monotonic() > deadline or self._stop.wait(0.001):
                return False
        time.sleep(delay)
        return True

    def _run(self) -> None:
        for pause, strike in zip(self.pauses, self.strikes, strict=True):
            deadline = time.monotonic() + READY_S
            while not self._ready() and time.monotonic() < deadline:
                if self._stop.wait(0.02):
                    return
            if self._stop.wait(pause):
                return
            if strike is not None and self._busy_again(strike):
                self.mid_action += 1
            if self.process.poll() is not None:
                self.died_by_itself.append(self.process.returncode)
            else:
                self.process.send_signal(signal.SIGKILL)  # no clean-up of any kind
                self.process.wait(30)
            self.process = self._start()
            with self._kill_made:
                self.killed += 1
                self._kill_made.notify_all()

    def wait_for_kills(self, count: int, timeout_s: float = 60.0) -> None:
        """Returns once `count` kills (and their restarts) were made."""
        with self._kill_made:
            made = self._kill_made.wait_for(lambda: self.killed >= count, timeout_s)
        assert made, f"only {self.killed} of {count} kills after {timeout_s}s"

    def wait_for_all_kills(self) -> None:
        """Returns once the whole schedule was carried out. No time budget: on a loaded machine
        a restart alone may take many seconds, and every step of the schedule is bounded
        already (READY_S, the pause, BUSY_S, the wait for a killed process), so this ends."""
        self._thread.join()
        assert not self.died_by_itself, (self.died_by_itself, self.log.read_text()[-4000:])
        assert self.killed == self.planned

    def stop(self, timeout_s: float = 30.0) -> int:
        """Ask the last process to stop cleanly (SIGTERM); returns its exit status."""
        self._stop.set()
        self._thread.join(timeout_s)
        # The last start may still be in the interpreter's start-up, where SIGTERM still kills:
        # a supervisor stops a process it saw ready, so this one waits for its ready line too.
        deadline = time.monotonic() + READY_S
        while not self._ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise
