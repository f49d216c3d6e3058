"""Side effects: what a process manager did to the outside world, recorded with its outcome.

A worker opens a recording around the actions it carries out for one triggering event
(`with recording(ctx) as ctx:`); the adapters behind its ports call `record(...)` once for each
change they make (a libvirt domain defined, a bridge added, a dnsmasq started): nothing for a
look, and nothing for a step an idempotent call found already done. The context the recording
hands back carries those records into the `meta["effects"]` of every event the outcome command
saves, beside the triggering request's id, so `skyledger audit --request-id ID --trace` shows a
request, the events it caused, and what each host really did for it.

The recording lives in a context variable, so it is per thread: a worker's records never mix
with another thread's, and an adapter called with no recording open (the API, a test, a look
by the reconciler) records nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

from domain.context import RequestContext

Effect = dict[str, str]

_open: contextvars.ContextVar[list[Effect] | None] = contextvars.ContextVar(
    "skyledger_effects", default=None)


def record(system: str, action: str, target: str, **detail: object) -> None:
    """One change made: `system` ("libvirt", "pyroute2", "dnsmasq", "nftables"), `action` (the
    call, e.g. "defineXML", "link add"), `target` (the domain, volume, interface or address it
    was made to), and short details (kind="bridge"). A no-op when no recording is open."""
    effects = _open.get()
    if effects is not None:
        details = {key: str(value) for key, value in detail.items() if value is not None}
        effects.append({"system": system, "action": action, "target": str(target), **details})


@dataclass(frozen=True)
class TracedContext(RequestContext):
    """A request context whose events also carry the effects recorded so far in its recording
    (read at the moment each event is made: an outcome recorded after an undo carries the undo
    too)."""

    effects: list[Effect] = field(default_factory=list, compare=False, repr=False)

    def as_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = super().as_meta()
        meta.pop("effects", None)
        if self.effects:
            meta["effects"] = [dict(effect) for effect in self.effects]
        return meta


@contextmanager
def recording(ctx: RequestContext) -> Iterator[TracedContext]:
    """Record what is done inside the block; the context yielded is `ctx` carrying the records.
    A recording opened inside another one records into its own list only."""
    effects: list[Effect] = []
    given = {f.name: getattr(ctx, f.name) for f in fields(RequestContext)}
    token = _open.set(effects)
    try:
        yield TracedContext(**given, effects=effects)
    finally:
        _open.reset(token)


def recorded(meta: dict[str, Any] | None) -> list[Effect]:
    """The effects an event's meta carries (none for most events)."""
    found = (meta or {}).get("effects")
    return [dict(effect) for effect in found] if isinstance(found, list) else []
