"""The `@command` decorator: bind who-and-why, then retry optimistic-concurrency conflicts.

A command loads aggregates, calls their methods and saves them together in one `save()`. When
another writer got there first, the store refuses the save (a version already exists) and the
command is simply run again on fresh state; after a bounded number of attempts it fails clearly.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from eventsourcing.persistence import IntegrityError

from domain import context
from domain.context import RequestContext
from domain.errors import ConcurrencyConflict

# Enough for dozens of writers racing on one aggregate (a project's quota ledger, one host);
# with the capped backoff below, giving up takes about two seconds.
MAX_ATTEMPTS = 100

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


def command(
    fn: Callable[Concatenate[S, RequestContext, P], R],
) -> Callable[Concatenate[S, RequestContext, P], R]:
    @functools.wraps(fn)
    def run(self: S, ctx: RequestContext, *args: P.args, **kwargs: P.kwargs) -> R:
        with context.bound(ctx):
            for attempt in range(MAX_ATTEMPTS):
                try:
                    return fn(self, ctx, *args, **kwargs)
                except IntegrityError:
                    # Exponential backoff with full jitter, capped, so racing writers spread out.
                    time.sleep(random.uniform(0, min(0.05, 0.001 * 2 ** min(attempt, 6))))
            raise ConcurrencyConflict(
                f"{fn.__name__} kept conflicting with concurrent changes; try again"
            )

    return run


def changed(*aggregates: Any) -> list[Any]:
    """The aggregates that have pending events (so a no-op command saves nothing)."""
    return [a for a in aggregates if a is not None and a.pending_events]
