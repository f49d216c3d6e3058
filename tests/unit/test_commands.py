"""The @command decorator retries optimistic-concurrency conflicts, then fails clearly."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from domain.commands import MAX_CONFLICT_RETRIES, command
from domain.context import RequestContext, current
from domain.errors import ConcurrencyConflict


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.seen_request_ids: list[str] = []

    @command
    def act(self, ctx: RequestContext) -> str:
        self.calls += 1
        self.seen_request_ids.append(current().request_id)
        if self.calls <= self.failures:
            raise IntegrityError("version taken")
        return "done"


def test_conflicts_are_retried_with_the_context_bound() -> None:
    flaky = Flaky(failures=3)
    assert flaky.act(RequestContext(request_id="req-1")) == "done"
    assert flaky.calls == 4
    assert set(flaky.seen_request_ids) == {"req-1"}


def test_endless_conflicts_fail_clearly() -> None:
    flaky = Flaky(failures=10**6)
    with pytest.raises(ConcurrencyConflict):
        flaky.act(RequestContext())
    assert flaky.calls == MAX_CONFLICT_RETRIES
