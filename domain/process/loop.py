"""The loop every process manager runs: follow, act, reconcile until stopped.

Subclasses provide `handle(event)`, `run_once()` (one pass), `app`, `host`, `topics`,
`positions` (a PositionStore), `position`, `config` (poll_interval, batch_size, position_name)
and `role` (for logs). A failed pass (a database or hypervisor outage) is logged and retried
from the same tracked position after a growing pause: nothing is ever skipped. The
wake/stop/record/rest methods are what projections.runner.NotifyListener needs of whom it
wakes on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from domain.app import SkyLedger
from domain.process.ports import PositionStore

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0


class FollowerLoop:
    app: SkyLedger
    host: str
    config: Any
    positions: PositionStore
    position: int
    topics: Sequence[str]
    role = "process manager"

    def __init__(self) -> None:
        self._wake, self._stop = threading.Event(), threading.Event()

    # -- following the log ---------------------------------------------------------------------
    def catch_up(self) -> int:
        """Act on every notification of `topics` up to the head; returns how many needed
        action. The position is saved right after an event that needed action (its outcome is
        recorded by then), else once per batch."""
        acted, size = 0, self.config.batch_size
        while not self._stop.is_set():
            head = self.app.head()
            if self.position >= head:
                break
            batch = self.app.recorder.select_notifications(
                start=self.position + 1, limit=size, stop=head, topics=self.topics)
            self.begin_batch()
            for notification in batch:
                if self._stop.is_set():
                    return acted
                if self.handle(self.app.mapper.to_domain_event(notification)):
                    acted += 1
                    self._advance(notification.id)
                else:
                    self.position = notification.id  # nothing to redo: saved with the batch
            # A full batch may stop short of head; a short one means nothing else is left.
            self._advance(batch[-1].id if len(batch) == size else head)
        return acted

    def _advance(self, position: int) -> None:
        self.positions.save(self.config.position_name, position)
        self.position = position

    def begin_batch(self) -> None:
        """A batch was just selected and its events are about to be handled: state read from
        now on is at least as new as every event in it (the network agent plans once here)."""

    def handle(self, event: Any) -> bool:
        """Act on one event if it concerns this host; True when it needed action."""
        raise NotImplementedError

    def run_once(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        errors = 0
        while not self._stop.is_set():
            try:
                self.run_once()
                errors = 0
            except Exception:  # noqa: BLE001 - retried from the tracked position
                errors += 1
                log.exception("host %s: %s pass failed (%d in a row)", self.host, self.role,
                              errors)
            self._wake.wait(min(self.config.poll_interval * 2 ** min(errors, 10), MAX_BACKOFF_S))
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def record(self, error: BaseException) -> None:
        log.warning("host %s: LISTEN failed, polling meanwhile: %s", self.host, error)

    def rest(self, seconds: float) -> None:
        self._stop.wait(seconds)
