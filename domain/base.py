"""The base aggregate: every event carries `meta` (user, project, request id) from the
bound request context."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate

from domain import context

# Namespace for deterministic ids of natural keys (uuid5), e.g. one keypair per (user, name).
SKYLEDGER_NS = uuid.UUID("6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a10")


def natural_id(kind: str, *parts: str) -> uuid.UUID:
    return uuid.uuid5(SKYLEDGER_NS, "/".join((kind, *parts)))


class Entity(Aggregate):
    class Event(Aggregate.Event):
        meta: dict[str, Any]

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        kwargs.setdefault("meta", context.current().as_meta())
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("meta", context.current().as_meta())
        super().trigger_event(event_class, **kwargs)
