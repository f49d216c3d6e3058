"""The `@command` decorator: bind who-and-why, then retry optimistic-concurrency conflicts.

A command loads aggregates, calls their methods and saves them together in one `save()`. When
another writer got there first, the store refuses the save (a version already exists) and the
command is simply run again on fresh state; after a bounded number of attempts it fails clearly.
`WriteLocks` lets the commands of one process queue on a hot aggregate instead of racing on it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from eventsourcing.persistence import IntegrityError
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from domain import context
from domain.context import RequestContext
from domain.errors import ConcurrencyConflict

# Enough for dozens of writers racing on one aggregate (a project's quota ledger, one host);
# with the capped backoff below, giving up takes about two seconds.
MAX_CONFLICT_RETRIES = 100
# Exponential backoff with full jitter (each wait drawn from 0 .. min(50 ms, 1 ms * 2^n)), so
# racing writers spread out instead of colliding again in step. Copied per call: a Retrying
# keeps the state of the call it runs.
CONFLICT_RETRIES = Retrying(retry=retry_if_exception_type(IntegrityError),
                            stop=stop_after_attempt(MAX_CONFLICT_RETRIES),
                            wait=wait_random_exponential(multiplier=0.001, max=0.05))

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


def command(
    fn: Callable[Concatenate[S, RequestContext, P], R],
) -> Callable[Concatenate[S, RequestContext, P], R]:
    @functools.wraps(fn)
    def run(self: S, ctx: RequestContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with context.bound(ctx):
            try:
                return CONFLICT_RETRIES.copy()(fn, self, ctx, *args, **kwargs)
            except RetryError:
                raise ConcurrencyConflict(
                    f"{fn.__name__} kept conflicting with concurrent changes; try again"
                ) from None

    return run


def changed(*aggregates: Any) -> list[Any]:
    """The aggregates that have pending events (so a no-op command saves nothing)."""
    return [a for a in aggregates if a is not None and a.pending_events]


class WriteLocks:
    """In-process mutexes keyed by aggregate id, one set per application.

    Optimistic concurrency makes racing writers of one aggregate safe, not cheap: of n boots
    racing on a project's quota ledger or a host's capacity ledger, one wins each round and the
    others load, decide and save again, so the work grows with n squared (50 clients on one
    ledger made ten attempts per boot). Commands of one process that claim on such a hot
    aggregate queue on its lock instead. The locks are only an optimisation: the version check
    at save time stays the authority, for other processes and for commands that take no lock.
    """

    # Waiting longer than this means something is stuck: go on without the lock (still safe).
    TIMEOUT = 10.0

    def __init__(self) -> None:
        self._guard = threading.Lock()
        # A lock lives while some command holds or waits for it; then it is forgotten.
        self._locks: weakref.WeakValueDictionary[Hashable, Any] = weakref.WeakValueDictionary()

    def lock_for(self, key: Hashable) -> Any:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    @contextmanager
    def scope(self) -> Iterator[HeldLocks]:
        """The locks one command attempt takes; all are released when the attempt ends (saved,
        refused or conflicting), before `@command` backs off and retries."""
        held = HeldLocks(self)
        try:
            yield held
        finally:
            held.release()


class HeldLocks:
    """Deadlock-free by construction: a command may wait for a lock only while it holds none
    that another command could be waiting for. Callers take locks in ranks (the project's quota
    ledger, then one host), and `take(wait=False)` for any further one: if that is busy the
    command goes on unlocked and the version check decides."""

    def __init__(self, locks: WriteLocks) -> None:
        self.locks = locks
        self.held: dict[Hashable, Any] = {}

    def take(self, key: Hashable, wait: bool = True) -> bool:
        if key in self.held:
            return True
        lock = self.locks.lock_for(key)
        if lock.acquire(timeout=self.locks.TIMEOUT) if wait else lock.acquire(blocking=False):
            self.held[key] = lock
            return True
        return False

    def release(self) -> None:
        for lock in self.held.values():
            lock.release()
        self.held.clear()
