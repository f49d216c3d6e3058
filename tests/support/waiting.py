"""One way to wait: poll a probe until it answers, never sleep for a guessed duration."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

WAIT_S = 15.0
# Polls start this often and slow down as the wait grows (a tenth of the time waited so far, up
# to MAX_POLL_S): a quick condition is seen at once, and a guest's minute-long boot is not
# probed (over HTTP, through libvirt) fifty times a second.
FIRST_POLL_S, MAX_POLL_S = 0.02, 0.25


def wait_for(probe: Callable[[], T | None], what: str, timeout_s: float = WAIT_S,
             details: Callable[[], str] | None = None) -> T:
    """Poll `probe` until it returns something truthy, and return that. After `timeout_s`, fail
    saying what was awaited, followed by `details()` (a process's log, say) when given."""
    start = time.monotonic()
    while True:
        value = probe()
        if value:
            return value
        waited = time.monotonic() - start
        if waited > timeout_s:
            message = f"timed out after {timeout_s:g} s waiting for {what}"
            raise AssertionError(message + (f"\n{details()}" if details else ""))
        time.sleep(min(FIRST_POLL_S + waited / 10, MAX_POLL_S))
