"""Which events wake the compute worker, and what it keeps of each: a `Trigger`.

The worker is level-triggered: an event only says "look at this instance now"; what to do is
decided from the instance's current state (see plans.py). That is what makes a replay after a
crash converge instead of repeating history.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.base import Entity
from domain.compute.instance import Instance


class Kind(enum.Enum):
    CLAIMED = "claimed"  # a host was claimed for a build (or a reschedule)
    ACTION = "action"  # a server action was requested
    DELETE = "delete"  # a delete was requested
    SUCCEEDED = "succeeded"  # a resize-family action finished: the other host may clean up
    FAILED = "failed"  # ... or failed: the host that stopped its guest for the move restarts it
    NICS = "nics"  # a port was attached to or detached from the instance (os-interface)
    PREPARED = "prepared"  # a live migration's destination is ready: the source moves it


# A resize moves a guest between hosts; when one host reports, the other may have work left.
MOVES = frozenset({"resize", "confirm_resize", "revert_resize", "live_migrate", "evacuate"})
# Triggers that carry a user's request: an older one is superseded by a newer one.
REQUESTS = frozenset({Kind.CLAIMED, Kind.ACTION, Kind.DELETE})

_KINDS: dict[type[Instance.Event], Kind] = {
    Instance.HostClaimed: Kind.CLAIMED,
    Instance.ActionRequested: Kind.ACTION,
    Instance.DeleteRequested: Kind.DELETE,
    Instance.ActionSucceeded: Kind.SUCCEEDED,
    Instance.ActionFailed: Kind.FAILED,
    Instance.PortsAttached: Kind.NICS,
    Instance.PortDetached: Kind.NICS,
    Instance.MigrationPrepared: Kind.PREPARED,
}
TOPICS: tuple[str, ...] = tuple(get_topic(cls) for cls in _KINDS)
REQUEST_EVENTS: tuple[type[Instance.Event], ...] = tuple(
    cls for cls, kind in _KINDS.items() if kind in (Kind.CLAIMED, Kind.ACTION, Kind.DELETE))


@dataclass(frozen=True)
class Trigger:
    kind: Kind
    instance_id: UUID
    version: int
    request_id: str
    project_id: str | None
    host: str | None = None  # HostClaimed: the host claimed
    action: str | None = None  # ActionSucceeded/ActionFailed: which action

    def may_concern(self, me: str) -> bool:
        """Cheap filter before the instance is loaded: a claim for another host, or the end of
        an action that moves nothing, cannot give this host work."""
        if self.kind is Kind.CLAIMED:
            return self.host == me
        if self.kind in (Kind.SUCCEEDED, Kind.FAILED):
            return self.action in MOVES
        return True


def trigger_of(event: Entity.Event) -> Trigger | None:
    kind = _KINDS.get(type(event))
    if kind is None:
        return None
    meta = getattr(event, "meta", None) or {}
    return Trigger(kind=kind, instance_id=event.originator_id, version=event.originator_version,
                   request_id=str(meta.get("request_id") or "req-unknown"),
                   project_id=meta.get("project_id"), host=getattr(event, "host", None),
                   action=getattr(event, "action", None))
