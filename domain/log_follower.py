"""The one way to follow the event log, for read models, process managers and the scheduler's
capacity view alike.

`read_batch` is the position and batch part: the next notifications after a position, up to a
head, and the position the batch reaches. `LogFollower` is the running part: a loop that does a
pass, then sleeps until woken (by `wake()`: a waiter, or a LISTEN on PostgreSQL that a
`listener` runs) or until its poll interval has passed (SQLite cannot push in eventsourcing
9.5), backs off after failed passes, and stops promptly. What a pass does, and where its
position is kept, is the subclass's: the read models keep theirs in the read-model transaction
(exactly once), the process managers after each outcome is recorded, the capacity view in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from eventsourcing.persistence import Notification

from domain.app import SkyLedger

MAX_BACKOFF_S = 30.0


class Batch(NamedTuple):
    notifications: Sequence[Notification]
    end: int  # the position the batch reaches
    full: bool  # a full batch may stop short of the head: there may be more to read


def read_batch(app: SkyLedger, after: int, head: int | None, topics: Sequence[str],
               size: int) -> Batch:
    """At most `size` notifications of `topics` after position `after`, up to `head`.

    A short batch reaches `head` (the notifications it passed over concern nobody here); a full
    one reaches its last notification. With no `head`, the log is read to its end, and every
    batch reaches its last notification (or stays at `after` when there is none).
    """
    notifications = app.recorder.select_notifications(
        start=after + 1, limit=size, stop=head, topics=list(topics))
    full = len(notifications) == size
    if head is not None and not full:
        return Batch(notifications, head, full)
    return Batch(notifications, notifications[-1].id if notifications else after, full)


def read_to_head(app: SkyLedger, after: int, topics: Sequence[str], size: int,
                 see: Callable[[Any], None]) -> int:
    """Every domain event of `topics` after position `after` to the log's head, each given to
    `see` in order; returns the position reached (for followers that keep it in memory)."""
    while True:
        batch = read_batch(app, after, None, topics, size)
        for notification in batch.notifications:
            see(app.mapper.to_domain_event(notification))
        after = batch.end
        if not batch.full:
            return after


class Waker(Protocol):
    """What wakes a follower early (adapters/notify.py: a LISTEN on PostgreSQL)."""

    active: threading.Event

    def run(self) -> None: ...


class LogFollower:
    """A loop around `run_once()`: run it, sleep until woken or `poll_interval` (while a listener
    is active: `listen_interval`), and after failed passes sleep longer, doubling up to
    `max_backoff` (0: never longer); the next pass starts from the tracked position again, so
    nothing is skipped. `start()` runs the loop, and the listener if there is one, in threads.
    """

    app: SkyLedger
    poll_interval: float = 0.2
    listen_interval: float = 0.2
    max_backoff: float = MAX_BACKOFF_S
    listener: Waker | None = None
    # Whether the wait before the pass now running ended by a wake() (a NOTIFY, a waiter, a
    # stop) rather than by its timeout; the first pass counts as woken.
    woken: bool = True

    def __init__(self) -> None:
        self._wake, self._stop = threading.Event(), threading.Event()
        self._threads: list[threading.Thread] = []

    def run_once(self) -> None:
        raise NotImplementedError

    def failed(self, error: Exception, failures: int) -> None:
        """A pass raised `error` (`failures` in a row); the loop goes on after a pause."""

    def record(self, error: BaseException) -> None:
        """The listener failed with `error`; polling goes on meanwhile."""

    def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self.run_once()
                failures = 0
            except Exception as error:  # noqa: BLE001 - retried from the tracked position
                failures += 1
                self.failed(error, failures)
            self.woken = self._wake.wait(self.pause(failures))
            # The next pass reads the head after this: whoever woke us meanwhile is covered by
            # it, so no wake-up is lost.
            self._wake.clear()

    def pause(self, failures: int) -> float:
        base = self.listen_interval if self.listening else self.poll_interval
        if failures and self.max_backoff > 0:
            return min(base * 2.0 ** min(failures, 10), self.max_backoff)
        return base

    # -- threads ---------------------------------------------------------------------------------
    def start(self, name: str) -> list[threading.Thread]:
        """Run the loop (thread `name`) and the listener (`name-listen`) in daemon threads."""
        targets: list[tuple[Any, str]] = [(self.run, name)]
        if self.listener is not None:
            targets.append((self.listener.run, f"{name}-listen"))
        for target, thread_name in targets:
            thread = threading.Thread(target=target, name=thread_name, daemon=True)
            self._threads.append(thread)
            thread.start()
        return list(self._threads)

    def join(self, timeout: float) -> None:
        for thread in self._threads:
            thread.join(timeout)

    @property
    def following(self) -> bool:
        """The loop's thread runs and has not been asked to stop."""
        return bool(self._threads) and self._threads[0].is_alive() and not self.stopped

    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.active.is_set()

    # -- what a listener and a stopper need ------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def rest(self, seconds: float) -> None:
        """Sleep, but no longer than until stop()."""
        self._stop.wait(seconds)
