"""The reclaimer's pure policy: which soft-deleted servers are due at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.process.compute.reclaimer import Waiting, due

T0 = datetime(2026, 12, 7, tzinfo=UTC)
A, B, C = (UUID(int=n) for n in (1, 2, 3))
WAITING = {A: Waiting(T0 + timedelta(seconds=10), 5), B: Waiting(T0, 7),
           C: Waiting(T0 + timedelta(seconds=30), 9)}
MINUTE = timedelta(seconds=60)


def test_nothing_is_due_before_its_interval() -> None:
    assert due(WAITING, T0 + timedelta(seconds=59), MINUTE) == []


def test_due_at_the_interval_longest_waiting_first() -> None:
    assert due(WAITING, T0 + timedelta(seconds=60), MINUTE) == [B]
    assert due(WAITING, T0 + timedelta(seconds=90), MINUTE) == [B, A, C]


def test_an_empty_schedule() -> None:
    assert due({}, T0, MINUTE) == []
