"""A guest's console output as its compute host last read it: one `Console` per instance.

The host's worker reads the guest's serial log every few seconds
(domain/process/compute/consoles.py) and records here what changed, so that the API's read model of
it (projections/console_logs.py) is built from events like every other one, and can be rebuilt. To
keep the log of events small, an event carries only what the guest printed since the last one
(`Appended`), and the whole text (`Opened`, `Replaced`) only where there is nothing to continue:
the first reading, a log that started over, or a reading by another host (the instance moved). Like
Nova, only the last 100 KiB are kept."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id

MAX_CHARS = 100 * 1024
# The hypervisor reads a log's last 100 KiB from a byte offset: a window cut inside a UTF-8
# character starts with up to 3 replacement characters where the earlier reading had the
# real one. A slid window is looked for after each of these starts.
CUT_CHARS = 3
# How much of the earlier text's end is looked for in a slid window, and at how many places:
# repetitive output matches at many. Finding none only costs a whole-text event, never a wrong
# text: a continuation is only taken where the window checks out against the earlier text.
ANCHOR_CHARS = 64
TRIES = 8


def console_id(instance_id: UUID) -> UUID:
    return natural_id("console", instance_id.hex)


def tail(text: str, length: int | None) -> str:
    """The console output's `length` last lines (all of it for None), cut as Nova cuts it
    (compute manager _tail_log): the last `length` pieces of the text split at newlines, so a
    text ending in a newline counts the empty piece after it."""
    if length is None:
        return text
    if length <= 0:
        return ""
    return "\n".join(text.split("\n")[-length:])


def kept(output: str) -> str:
    """What is kept of a reading: its last MAX_CHARS, without NUL (which a guest may well
    print, and which PostgreSQL text cannot hold)."""
    return output[-MAX_CHARS:].replace("\x00", "")


def appended(text: str, more: str) -> str:
    """The kept text once the guest printed `more` after `text` (the aggregate and the read
    model both apply `Appended` with this, so the two cannot drift)."""
    return (text + more)[-MAX_CHARS:]


def continuation(text: str, reading: str) -> str | None:
    """What the guest printed after `text`, if `reading` continues it: when the log grew,
    `reading` starts with `text`; when it grew past the window the hypervisor reads, the window
    slid on and `reading` starts inside `text`. None when it does not continue it."""
    if reading.startswith(text):
        return reading[len(text):]
    for cut in range(CUT_CHARS + 1):
        more = _after_slid_window(text, reading, cut)
        if more is not None:
            return more
    return None


def _after_slid_window(text: str, reading: str, cut: int) -> str | None:
    """What follows `text` in `reading`, if `reading[cut:]` starts with an end of `text` at
    least half its own length (less overlap than that reads as a log that started over). The
    end of `text` is looked for from the end of `reading` backwards: a guest usually printed
    little since the last reading."""
    anchor = text[-ANCHOR_CHARS:]
    if len(anchor) < ANCHOR_CHARS:
        return None
    least = cut + (len(reading) - cut) // 2
    before = len(reading)
    for _ in range(TRIES):
        found = reading.rfind(anchor, cut, before)
        end = found + len(anchor)
        if found < 0 or end < least:
            return None
        if end - cut <= len(text) and text.endswith(reading[cut:end]):
            return reading[end:]
        before = end - 1
    return None


class Console(Entity):
    """Every event names its instance: the read model's rows are keyed by it, and this
    aggregate's own id (derived from it) cannot be turned back into it."""

    @staticmethod
    def create_id(instance_id: UUID, **_: object) -> UUID:
        return console_id(instance_id)

    class Opened(Entity.Created):
        instance_id: UUID
        host: str
        text: str

    @event(Opened)
    def __init__(self, instance_id: UUID, host: str, text: str) -> None:
        self.instance_id: UUID = instance_id
        self.host: str | None = host
        self.text = text

    @classmethod
    def first(cls, instance_id: UUID, host: str, output: str) -> Console:
        """The console as `host` first read it."""
        return cls(instance_id, host, kept(output))

    def record(self, host: str, output: str) -> None:
        """What `host` just read of the guest's console; nothing when it is what was recorded."""
        reading = kept(output)
        more = continuation(self.text, reading) if host == self.host else None
        if more is None:
            self._replace(self.instance_id, host, reading)
        elif more:
            self._append(self.instance_id, more)

    def clear(self, host: str) -> None:
        """The guest is gone from `host`: so is its text, unless another host (the other end of
        a resize) has recorded it since."""
        if self.host == host:
            self._clear(self.instance_id)

    class Replaced(Entity.Event):
        instance_id: UUID
        host: str
        text: str

    @event(Replaced)
    def _replace(self, instance_id: UUID, host: str, text: str) -> None:
        self.host, self.text = host, text

    class Appended(Entity.Event):
        instance_id: UUID
        text: str

    @event(Appended)
    def _append(self, instance_id: UUID, text: str) -> None:
        self.text = appended(self.text, text)

    class Cleared(Entity.Event):
        instance_id: UUID

    @event(Cleared)
    def _clear(self, instance_id: UUID) -> None:
        self.host, self.text = None, ""
