"""Firing calls from several threads released together, for the race tests."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

P = TypeVar("P")


def fire_together(processes: Sequence[P], calls: int,
                  attempt: Callable[[P, int], str]) -> Counter[str]:
    """`calls` attempts spread over one thread per process, all released at once by a barrier;
    returns how often each outcome word came back (an unexpected error counts as its text, so
    the assertion shows what went wrong)."""
    start = threading.Barrier(len(processes))
    outcomes: list[str] = []

    def worker(t: int) -> None:
        start.wait()
        for call in range(t, calls, len(processes)):
            try:
                outcomes.append(attempt(processes[t], call))
            except Exception as error:  # noqa: BLE001
                outcomes.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(len(processes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)
