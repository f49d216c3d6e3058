"""In-process write locks (domain/commands.py): commands of one process queue on a hot
aggregate; a busy lock taken without waiting, or a wait that times out, lets the command go
on unlocked (the version check at save time still decides)."""

from __future__ import annotations

from uuid import uuid4

from domain.commands import WriteLocks


def test_a_held_lock_is_busy_for_other_scopes_until_the_attempt_ends() -> None:
    locks, key = WriteLocks(), uuid4()
    with locks.scope() as first:
        assert first.take(key)
        with locks.scope() as second:
            assert not second.take(key, wait=False)
        assert first.take(key)  # taking what one already holds is a no-op, not a deadlock
    with locks.scope() as third:
        assert third.take(key, wait=False)


def test_different_aggregates_do_not_queue_on_each_other() -> None:
    locks = WriteLocks()
    with locks.scope() as first, locks.scope() as second:
        assert first.take(uuid4())
        assert second.take(uuid4(), wait=False)


def test_a_wait_that_times_out_goes_on_without_the_lock() -> None:
    locks, key = WriteLocks(), uuid4()
    locks.TIMEOUT = 0.01
    with locks.scope() as first, locks.scope() as second:
        assert first.take(key)
        assert not second.take(key)
        assert key not in second.held
    with locks.scope() as third:
        assert third.take(key, wait=False)  # the failed wait left nothing locked


def test_an_attempt_that_raises_releases_its_locks() -> None:
    locks, key = WriteLocks(), uuid4()
    try:
        with locks.scope() as failing:
            failing.take(key)
            raise RuntimeError("conflict")
    except RuntimeError:
        pass
    with locks.scope() as after:
        assert after.take(key, wait=False)
