"""What a projection is: a name, the tables it owns, and one handler per event class it reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from projections.store import ReadCursor

Handler = Callable[[Any, ReadCursor, Any], None]
# A handler keeps its own signature (its event's type) for the type checker.
H = TypeVar("H", bound=Callable[..., None])


# What one event does to a read model's JSON document (an evolve table's row).
Evolve = Callable[[dict[str, Any], Any], None]
E = TypeVar("E")


def on(event_class: type[E], evolve: Callable[[dict[str, Any], E], None]) -> tuple[type, Evolve]:
    """One row of an evolve table. Written `on(Cls, lambda d, e: ...)`, the lambda's `e` is typed
    as `Cls` (mypy infers it from the class), so a field the event lacks fails the type check
    instead of the projection."""
    return event_class, evolve


def handles(*event_classes: type) -> Callable[[H], H]:
    """Mark a projection method as the handler of these event classes."""

    def mark(fn: H) -> H:
        fn.__handles__ = event_classes  # type: ignore[attr-defined]
        return fn

    return mark


class Projection:
    name: ClassVar[str]
    # CREATE TABLE IF NOT EXISTS statements, portable between SQLite and PostgreSQL.
    ddl: ClassVar[tuple[str, ...]]
    # Tables emptied by a rebuild, children before parents.
    tables: ClassVar[tuple[str, ...]]
    # Projections that read every event (the audit trail) say so instead of listing handlers.
    reads_everything: ClassVar[bool] = False

    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {}
        for attr in dir(type(self)):
            fn = getattr(type(self), attr)
            for cls in getattr(fn, "__handles__", ()):
                self.handlers[cls] = fn

    def topics(self) -> list[str]:
        from eventsourcing.utils import get_topic

        return [] if self.reads_everything else [get_topic(c) for c in self.handlers]

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(self, cur, event)
        elif self.reads_everything:
            self.apply_any(cur, event, position)

    def apply_any(self, cur: ReadCursor, event: Any, position: int) -> None:
        raise NotImplementedError


def as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def from_json(text: str | None) -> Any:
    return json.loads(text) if text else None


def stamp(event: Any) -> str:
    """Event time as an ISO-8601 UTC string with a Z, the way OpenStack APIs print times."""
    ts: datetime = event.timestamp
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def hexid(event: Any) -> str:
    return str(event.originator_id.hex)
