"""The follower thread of a process: keeps every read model up with the event log, and lets a
request that just wrote wait until the read models show its write (read-your-writes).

One thread does the work for everybody. A request does not apply projections itself: it reads
the head of the log once (its own events are at or below it), wakes the follower and waits for a
round that started after that head. Fifty concurrent writers then cost one round per few
requests instead of fifty sets of read-model transactions queueing on the same write lock (on
SQLite, on the one file lock the event store needs too).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from domain.log_follower import LogFollower
from projections.passes import catch_up_together
from projections.store import is_unavailable

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner


class Followers(LogFollower):
    """Runs every projection's runner in one background thread: the log follower
    (domain/log_follower.py) whose pass is a round over every read model.

    Between rounds it sleeps until woken: by `wake()` (a request waiting for its write), by a
    PostgreSQL NOTIFY when the composition root gave it a listener (adapters/notify.py), or
    else after `interval` seconds (the SQLite poll). While LISTEN is active the poll only
    remains as a slow safety net (`listen_interval`). A failed round is kept in `errors` and
    the next one comes after the same pause (no back-off: a waiting request wakes it anyway).
    A round in which no read model has anything to apply takes no write transaction, unless
    `interval` has passed since one last moved the idle positions up (so that they do not lag,
    and the next round does not read the log from far back).
    """

    max_backoff = 0.0

    def __init__(self, runners: list[ProjectionRunner], interval: float = 0.2,
                 listen_interval: float = 5.0) -> None:
        super().__init__()
        self.runners = runners
        if runners:
            self.app = runners[0].app
        self.interval = self.poll_interval = interval
        self.listen_interval = listen_interval
        self.errors: list[BaseException] = []
        # Every read model has applied what it follows up to `_reached`. Rounds are numbered;
        # `_failed` is (round, head it read, error) of the last one that raised, so that a
        # waiter it should have served is told at once instead of left to time out.
        self._round = threading.Condition()
        self._rounds = 0
        self._reached = 0
        self._failed: tuple[int, int, BaseException] | None = None
        self._failures = 0  # rounds that raised, ever
        self._advanced_at = 0.0

    def start(self, name: str = "projection-followers") -> list[threading.Thread]:
        return super().start(name)

    def record(self, error: BaseException) -> None:
        self.errors.append(error)
        del self.errors[:-10]

    def run_once(self) -> None:
        self.sync(advance_idle=self._advance_due())

    def failed(self, error: Exception, failures: int) -> None:
        self.record(error)  # kept for status; the next round tries again

    def _advance_due(self) -> bool:
        now = time.monotonic()
        if now - self._advanced_at < self.interval:
            return False
        self._advanced_at = now
        return True

    def sync(self, until: int | None = None, advance_idle: bool = True) -> None:
        """One round: every runner up to `until` (default: the head now), in this thread."""
        with self._round:
            self._rounds += 1
            number = self._rounds
        head = self.runners[0].app.head() if until is None and self.runners else until or 0
        try:
            for group in self._groups():
                catch_up_together(group, head, advance_idle=advance_idle)
        except Exception as error:
            with self._round:
                self._failed = (number, head, error)
                self._failures += 1
                self._round.notify_all()
            raise
        with self._round:
            self._reached = max(self._reached, head)
            self._round.notify_all()

    def _groups(self) -> list[list[ProjectionRunner]]:
        """Runners that share an event store and a read store (in a process: all of them)."""
        groups: dict[tuple[int, int], list[ProjectionRunner]] = {}
        for runner in self.runners:
            groups.setdefault((id(runner.app), id(runner.store)), []).append(runner)
        return list(groups.values())

    def read_your_writes(self, timeout: float = 30.0, until: int | None = None) -> None:
        """Return once every read model has applied everything the log holds now (so also the
        caller's own events), or with `until` (the position of the caller's last event)
        everything up to it. Raises what the round that should have applied them raised, or
        TimeoutError; either way the followers keep trying."""
        head = until if until is not None else self.runners[0].app.head() if self.runners else 0
        if not self.following:
            self.sync(head, advance_idle=False)
            return
        deadline = time.monotonic() + timeout
        with self._round:
            after = self._rounds  # a round that began before we came may have read less
            failures = self._failures
            while self._reached < head:
                if self._failed is not None and self._failed[0] > after \
                        and self._failed[1] >= head:
                    raise self._failed[2]
                if self._failed is not None and self._failures > failures \
                        and is_unavailable(self._failed[2]):
                    # The database is out of reach (a round that began before us failed on
                    # it): the next round would most likely wait out the same timeouts, so
                    # say so now rather than after it (adapters/pg_limits.py).
                    raise self._failed[2]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.stopped:
                    raise TimeoutError(f"read models did not reach event {head} in {timeout:g} s")
                self.wake()
                self._round.wait(min(remaining, 1.0))

    def stop(self) -> None:
        super().stop()
        self.join(timeout=5)
