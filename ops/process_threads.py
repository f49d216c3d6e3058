"""Running a process manager's threads and shutting them down, for every kind of host process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, cast

from adapters.persistence import Database
from adapters.settings import Settings
from domain.app import SkyLedger
from projections.runner import NotifyListener
from projections.store import ReadStore

log = logging.getLogger(__name__)

Target = tuple[Callable[[], None], str]


def start_threads(loop: Any, role: str, extra: Sequence[Target] = ()) -> list[threading.Thread]:
    """Start `loop.run` (named `role`), any extra targets, and on PostgreSQL a LISTEN that wakes
    the loop (it needs only stopped/wake/record/rest of whom it wakes)."""
    targets: list[Target] = [(loop.run, role), *extra]
    listener = NotifyListener(loop.app.recorder, cast(Any, loop))
    if listener.supported:
        targets.append((listener.run, f"{role}-listen"))
    threads = []
    for target, name in targets:
        thread = threading.Thread(target=target, name=f"{name}-{loop.host}", daemon=True)
        threads.append(thread)
        thread.start()
    return threads


def join_and_close(threads: list[threading.Thread], closers: list[Callable[[], None]],
                   timeout: float, what: str) -> None:
    """Wait for the threads (the current action finishes), then close in reverse order."""
    for thread in threads:
        thread.join(timeout)
    for close in reversed(closers):
        try:
            close()
        except Exception:  # noqa: BLE001 - closing the rest matters more
            log.exception("closing %s", what)
    closers.clear()


def all_alive(threads: list[threading.Thread]) -> bool:
    return bool(threads) and all(t.is_alive() for t in threads)


@dataclass
class RunningLoop:
    """One host's process manager running in its threads (its loop, and on PostgreSQL a LISTEN
    that wakes it), and what it must close when it stops. Subclasses name the loop's role."""

    loop: Any  # a domain.process.loop.FollowerLoop with `host`
    closers: list[Callable[[], None]] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    role: ClassVar[str] = "process manager"

    def start(self) -> Self:
        self._threads = start_threads(self.loop, self.role.replace(" ", "-"))
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Let the current action finish and record its outcome, then close everything."""
        self.loop.stop()
        join_and_close(self._threads, self.closers, timeout,
                       f"the {self.role} of {self.loop.host}")

    @property
    def running(self) -> bool:
        return all_alive(self._threads)


def open_stores(settings: Settings,
                closers: list[Callable[[], None]]) -> tuple[SkyLedger, ReadStore]:
    """A worker process's own event store and read store, each added to `closers` (closed in
    reverse if the rest of the worker cannot be opened)."""
    database = Database(settings.database_url)
    app = SkyLedger(env=database.event_store_env(), snapshot_interval=settings.snapshot_interval)
    closers.append(app.close)
    store = database.read_store()
    closers.append(store.close)
    return app, store
