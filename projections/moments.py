"""Moments of the event log: the position that stands for a point in time, and the time of a
position. Replays and diffs name a past moment either way.

A moment is a cut of the notification log: position N means "every event numbered N or less".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.app import SkyLedger


class UnknownMoment(ValueError):
    """A position the log does not have (past its head)."""


@dataclass(frozen=True)
class Moment:
    position: int  # the last event included (0: before the first event)
    at: datetime | None  # the time asked for, else the time of the event at `position`
    head: int  # the log's head when the moment was resolved

    @property
    def label(self) -> str:
        when = self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if self.at else "the beginning"
        return f"position {self.position} ({when})"


def utc(moment: datetime) -> datetime:
    """A time without an offset is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def first_time_from(app: SkyLedger, position: int) -> tuple[int, datetime] | None:
    """The number and time of the first event at or after `position` (None past the head).

    One notification is read and decoded: probes stay cheap however big the events are. The
    first at-or-after (not "at") because PostgreSQL's numbering may have gaps (a rolled-back
    insert still uses up its sequence number)."""
    found = app.recorder.select_notifications(start=position, limit=1)
    if not found:
        return None
    first: Any = app.mapper.to_domain_event(found[0])  # every event of ours has a timestamp
    return found[0].id, utc(first.timestamp)


def position_at(app: SkyLedger, when: datetime) -> Moment:
    """The last event recorded at or before `when`.

    Events are appended in time order (each is stamped when its command runs, numbered when it
    commits; commands that overlap can swap order by at most a command's length, which only
    moves the cut within that window). So "the first event at or after p is later than T" is
    false for every p up to the answer and true after it, and a binary search over positions
    finds the edge in log2(head) probes of one notification each. T before the first event
    gives position 0 (nothing has happened yet); T after the last gives the head.
    """
    when = utc(when)
    head = app.head()
    low, high = 1, head + 1  # the edge: the smallest p whose first event at/after p is later
    while low < high:
        middle = (low + high) // 2
        probe = first_time_from(app, middle)
        if probe is None or probe[1] > when:
            high = middle
        else:
            low = middle + 1
    # Every p below the edge has an event at/after it no later than T; p = edge - 1 itself
    # must then be an event (the next one after it is at/after the edge, hence later than T).
    return Moment(low - 1, when, head)


def time_of(app: SkyLedger, position: int) -> datetime | None:
    """The time of the last event at or before `position` (None for position 0)."""
    window = 16
    while position > 0:
        start = max(1, position - window + 1)
        found = app.recorder.select_notifications(start=start, limit=window, stop=position)
        if found:
            last: Any = app.mapper.to_domain_event(found[-1])
            return utc(last.timestamp)
        if start == 1:
            return None
        window *= 4  # a gap in the numbering wider than the window: look further back
    return None


def at_position(app: SkyLedger, position: int) -> Moment:
    head = app.head()
    if position < 0 or position > head:
        raise UnknownMoment(f"position {position} is not in the event log (positions 0 to "
                            f"{head})")
    return Moment(position, time_of(app, position), head)
