"""The loop every process manager runs: follow, act, reconcile until stopped.

Subclasses provide `run_once()` (one pass), `host`, `config.poll_interval` and `role` (for
logs). A failed pass (a database or hypervisor outage) is logged and retried from the same
tracked position after a growing pause: nothing is ever skipped. The wake/stop/record/rest
methods are what projections.runner.NotifyListener needs of whom it wakes on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0


class FollowerLoop:
    host: str
    config: Any
    role = "process manager"

    def __init__(self) -> None:
        self._wake, self._stop = threading.Event(), threading.Event()

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
