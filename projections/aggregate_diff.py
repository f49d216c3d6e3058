"""What changed between two moments of the event log, aggregate by aggregate.

The notifications between the two positions say which aggregates changed, with which events,
and (their first and last version numbers) which versions each had at the two moments: an
aggregate's versions are numbered without gaps in log order, so the version at the earlier
moment is the first changed one minus one (0: it did not exist yet). Each aggregate is then
loaded at both versions from its own events and the two states compared field by field.
Private attributes (`_id`, `_version`, ...) and secrets (password hashes, private keys) are
left out, as in the audit trail.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.app import SkyLedger
from projections.audit import SECRET_FIELDS

# Attributes that give an aggregate a name a person recognises, in order of preference.
NAME_FIELDS = ("name", "host", "address", "cidr", "fixed_ip")
BATCH = 1000
MISSING = "<absent>"

Progress = Callable[[int, int], None]


@dataclass
class Change:
    aggregate_type: str
    aggregate_id: str  # hex
    version_before: int  # 0: it did not exist at the first moment
    version_after: int = 0
    events: list[str] = field(default_factory=list)
    name: str | None = None
    change: str = "changed"  # created, deleted, created+deleted or changed
    fields: list[dict[str, Any]] = field(default_factory=list)  # {field, before, after}

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def split_topic(topic: str) -> tuple[str, str]:
    """'domain.compute.instance:Instance.Spawned' -> ('Instance', 'Spawned')."""
    qualname = topic.rpartition(":")[2]
    kind, _, event = qualname.rpartition(".")
    return kind or qualname, event or qualname


def scan(app: SkyLedger, start: int, stop: int,
         progress: Progress | None = None) -> list[Change]:
    """The aggregates with events in (start, stop], in order of their first event there."""
    changes: dict[uuid.UUID, Change] = {}
    position = start
    while position < stop:
        batch = app.recorder.select_notifications(start=position + 1, limit=BATCH, stop=stop)
        for n in batch:
            kind, event = split_topic(n.topic)
            oid = uuid.UUID(str(n.originator_id))
            change = changes.get(oid)
            if change is None:
                change = changes[oid] = Change(kind, oid.hex, n.originator_version - 1)
            change.events.append(event)
            change.version_after = n.originator_version
        position = batch[-1].id if len(batch) == BATCH else stop
        if progress is not None:
            progress(position - start, stop - start)
    return list(changes.values())


def plain(value: Any) -> Any:
    """A state value as JSON would show it, secrets dropped."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def state_of(aggregate: Any) -> dict[str, Any]:
    return {k: plain(v) for k, v in vars(aggregate).items()
            if not k.startswith("_") and k not in SECRET_FIELDS}


def flattened(state: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested dicts become dotted fields, so a quota change reads `overrides.cores: 20 -> 5`;
    lists stay whole."""
    for key, value in state.items():
        if isinstance(value, dict) and value:
            yield from flattened(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def field_diff(before: dict[str, Any] | None, after: dict[str, Any] | None
               ) -> list[dict[str, Any]]:
    old, new = dict(flattened(before or {})), dict(flattened(after or {}))
    # An empty dict is a field of its own; filled on the other side, its entries speak for it
    # (`overrides.cores: <absent> -> 9`, not also `overrides: {} -> <absent>`).
    for one, other in ((old, new), (new, old)):
        for key in [k for k, v in one.items() if v == {}]:
            if any(name.startswith(key + ".") for name in other):
                del one[key]
    names = [*old, *(k for k in new if k not in old)]
    return [{"field": k, "before": old.get(k, MISSING), "after": new.get(k, MISSING)}
            for k in names if old.get(k, MISSING) != new.get(k, MISSING)]


def describe(app: SkyLedger, change: Change) -> Change:
    """Fill in the name, the kind of change and the field diff (loads the aggregate twice)."""
    ident = uuid.UUID(change.aggregate_id)
    before = (app.repository.get(ident, version=change.version_before)
              if change.version_before else None)
    after: Any = app.repository.get(ident, version=change.version_after)
    gone_before = before is None or getattr(before, "deleted", False)
    gone_after = getattr(after, "deleted", False)
    if gone_before and gone_after:
        change.change = "created+deleted" if before is None else "changed"
    elif gone_before:
        change.change = "created"
    elif gone_after:
        change.change = "deleted"
    change.name = readable_name(app, after)
    change.fields = field_diff(state_of(before) if before is not None else None,
                               state_of(after))
    return change


def readable_name(app: SkyLedger, aggregate: Any) -> str | None:
    for attr in NAME_FIELDS:
        value = getattr(aggregate, attr, None)
        if isinstance(value, str) and value:
            return value
    owner = getattr(aggregate, "project_id", None)
    if isinstance(owner, str) and len(owner) == 32:
        # A project's ledger (quotas) is known by its project's name.
        try:
            project = app.find(uuid.UUID(owner))
        except ValueError:
            return None
        name = getattr(project, "name", None)
        return f"project {name}" if name else None
    return None
