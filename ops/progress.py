"""A small progress display on stderr for long-running commands (rebuilds, replays, benchmarks).

On a terminal it redraws one line in place (`\\r`): a bar, done/total, items per second and the
time left. When stderr is a file or a pipe (CI logs, `2> log`) it prints a plain line now and then
instead, because carriage returns make such logs unreadable. Standard library only, so any command
or benchmark can use it without pulling the application in.

Not rich's Progress: off a terminal, rich draws only the final state, while CI logs and
`2> log` need these periodic plain lines, so this class would stay for them anyway; on a
terminal rich would be a second renderer with a different look, and four more runtime packages
(rich, markdown-it-py, mdurl, pygments) in every server install for an admin command's bar.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

BAR_WIDTH = 24
# Redraw a terminal at most this often, so printing never costs more than the work it reports.
TTY_EVERY = 0.1
# Plain lines (no terminal): at most one per this many seconds, plus the final one.
LINE_EVERY = 2.0


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class Progress:
    """`with Progress(total, "rebuild audit") as bar: bar.update(done)`; also callable as
    `bar(done, total)`, the signature of ProjectionRunner.catch_up's progress callback."""

    def __init__(self, total: int, label: str = "", unit: str = "events",
                 stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.total = max(0, total)
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self._isatty() if tty is None else tty
        self.done = 0
        self.started = time.monotonic()
        # The first plain line waits LINE_EVERY: short jobs then print just their final line.
        self._last_draw = self.started
        self._drawn: tuple[int, int] | None = None
        self._closed = False

    def _isatty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __call__(self, done: int, total: int | None = None) -> None:
        self.update(done, total)

    def advance(self, count: int = 1) -> None:
        self.update(self.done + count)

    def update(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(0, total)
        self.done = max(0, done)
        now = time.monotonic()
        every = TTY_EVERY if self.tty else LINE_EVERY
        if now - self._last_draw >= every:
            self._draw(now)

    def rate(self, now: float | None = None) -> float:
        elapsed = (now if now is not None else time.monotonic()) - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, now: float | None = None) -> str:
        now = now if now is not None else time.monotonic()
        rate = self.rate(now)
        shown = min(self.done, self.total) if self.total else self.done
        fraction = shown / self.total if self.total else 1.0
        left = (self.total - shown) / rate if rate > 0 and self.total else 0.0
        eta = f"ETA {format_duration(left)}" if rate else "ETA ?"
        if shown >= self.total:
            eta = "done"
        label = f"{self.label} " if self.label else ""
        filled = int(round(fraction * BAR_WIDTH))
        bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] " if self.tty else ""
        return (f"{label}{bar}{shown}/{self.total} {self.unit} {fraction:4.0%} "
                f"{rate:,.0f} {self.unit}/s {eta} ({format_duration(now - self.started)})")

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._drawn = (self.done, self.total)
        if self.tty:
            # Pad with spaces so a shorter line fully covers the previous one.
            self.stream.write("\r" + self.line(now).ljust(79))
        else:
            self.stream.write(self.line(now) + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state once (and end the terminal line)."""
        if self._closed:
            return
        self._closed = True
        if self.tty or self._drawn != (self.done, self.total):
            self._draw(time.monotonic())
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
