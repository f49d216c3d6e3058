"""How often a process manager looks at the log while a LISTEN wakes it (domain/process/loop.py),
from settings."""

from __future__ import annotations

from typing import TypeVar

from adapters.settings import Settings
from domain.process.loop import FollowerLoop

Loop = TypeVar("Loop", bound=FollowerLoop)


def paced(loop: Loop, settings: Settings) -> Loop:
    loop.head_poll = settings.process_head_poll
    return loop
