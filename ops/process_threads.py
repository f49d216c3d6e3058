"""A host process's running worker: its threads, what it must close when it stops, and the
lock that keeps it alone on its host. What it runs on is the composition root's choice
(ops/bootstrap.py)."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Self

log = logging.getLogger(__name__)

Target = tuple[Callable[[], None], str]


def lock_host_dir(directory: Path, busy: type[Exception], what: str) -> IO[bytes]:
    """One worker per host: two would both act on every event of it. The lock is the kernel's,
    so it goes with the process, however that process ends; `busy` when another has it."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = open(directory / ".worker.lock", "a+b")  # noqa: SIM115 - held while it runs
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise busy(f"another {what} holds {directory}/.worker.lock") from None
    return handle


def start_threads(loop: Any, role: str, extra: Sequence[Target] = ()) -> list[threading.Thread]:
    """Start the follower `loop` (domain/log_follower.py: its loop, and its LISTEN when it has
    one), named `role`, and any extra targets."""
    threads: list[threading.Thread] = loop.start(f"{role}-{loop.host}")
    for target, name in extra:
        thread = threading.Thread(target=target, name=f"{name}-{loop.host}", daemon=True)
        threads.append(thread)
        thread.start()
    return threads


def join_and_close(threads: list[threading.Thread], resources: ExitStack, timeout: float,
                   what: str) -> None:
    """Wait for the threads (the current action finishes), then close in reverse order."""
    for thread in threads:
        thread.join(timeout)
    try:
        resources.close()
    except Exception:  # noqa: BLE001 - every other resource is closed by then
        log.exception("closing %s", what)


def all_alive(threads: list[threading.Thread]) -> bool:
    return bool(threads) and all(t.is_alive() for t in threads)


@dataclass
class RunningLoop:
    """One host's process manager running in its threads (its loop, and on PostgreSQL a LISTEN
    that wakes it), and what it must close when it stops. Subclasses name the loop's role."""

    loop: Any  # a domain.process.loop.FollowerLoop with `host`
    resources: ExitStack = field(default_factory=ExitStack)
    _threads: list[threading.Thread] = field(default_factory=list)

    role: ClassVar[str] = "process manager"

    def start(self) -> Self:
        self._threads = start_threads(self.loop, self.role.replace(" ", "-"))
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Let the current action finish and record its outcome, then close everything."""
        self.loop.stop()
        join_and_close(self._threads, self.resources, timeout,
                       f"the {self.role} of {self.loop.host}")

    @property
    def running(self) -> bool:
        return all_alive(self._threads)
