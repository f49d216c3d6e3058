"""The control services of an API process (domain/control/service.py): a thread that beats for
them every report interval while the process can read what its scheduler reads.

The API process is what schedules, conducts and places volumes here, so it is what beats: a
stopped API, or one whose event store is out of reach, stops beating and its services go down
after `service_down_time`, as Nova's and Cinder's do when their processes stop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.context import RequestContext
from domain.control.service import CINDER_SCHEDULER, COMPUTE_CONTROL, INTERNAL_ZONE
from domain.services.control_services import ControlServices

log = logging.getLogger(__name__)

# After a failure, try again sooner than a whole report interval (but not in a busy loop).
RETRY_S = 1.0


def control_zones(storage_zone: str) -> dict[str, str]:
    """Nova lists its scheduler and conductor in its internal zone; Cinder's scheduler is in
    the zone of the volume services (storage_availability_zone)."""
    return {**dict.fromkeys(COMPUTE_CONTROL, INTERNAL_ZONE), CINDER_SCHEDULER: storage_zone}


@dataclass
class ControlHost:
    """Beats for `zones` (binary -> zone) of `host` every `interval` seconds, after `check`
    (the scheduler's view catching up with the log) succeeds."""

    services: ControlServices
    host: str
    zones: dict[str, str]
    interval: float
    check: Callable[[], object]
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def beat_once(self) -> None:
        self.check()
        # Another API process of this host that beat in the last half interval beat for us.
        self.services.beat(RequestContext(user_id=f"control:{self.host}"), self.host, self.zones,
                           fresh_for=self.interval / 2)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat_once()
                wait = self.interval
            except Exception:  # noqa: BLE001 - keep beating; the next try may succeed
                log.exception("control services of %s: beat failed", self.host)
                wait = min(RETRY_S, self.interval)
            self._stop.wait(wait)

    def start(self) -> ControlHost:
        self._thread = threading.Thread(target=self.run, name="control-heartbeat", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
