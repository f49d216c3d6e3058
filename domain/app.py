"""The command side's event store: one Application, so that one `save()` can hold any set
of aggregates."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder, PersistenceError, Recording, Transcoding

from domain.commands import WriteLocks
from domain.compute.console import Console
from domain.compute.heartbeat import ComputeHeartbeat
from domain.compute.node import ComputeNode
from domain.control.service import ControlService
from domain.errors import NotFound
from domain.network.network import Network
from domain.network.security_group import SecurityGroup
from domain.quota.ledger import QuotaLedger

log = logging.getLogger(__name__)
A = TypeVar("A")

# Events between two snapshots of a long-lived ledger (SKYLEDGER_SNAPSHOT_INTERVAL; 0: none).
DEFAULT_SNAPSHOT_INTERVAL = 100


# How far the saves made for one API request wrote in the log (api/middleware.py holds one per
# request): its read-your-writes waits for the read models to reach that, not the log's head,
# which is one query more per write request and may wait for others' later events. A list, as
# the holder is shared with the threads the request's work runs in (each gets a copy of the
# context, and with it this same list).
_written: ContextVar[list[int] | None] = ContextVar("skyledger_written", default=None)


@contextmanager
def tracking_writes() -> Iterator[None]:
    token = _written.set([])
    try:
        yield
    finally:
        _written.reset(token)


def written_up_to() -> int | None:
    """The last notification id the saves made under `tracking_writes` recorded, if any."""
    marks = _written.get()
    return max(marks) if marks else None


class SetAsSortedList(Transcoding):
    type = set
    name = "set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return sorted(obj)  # the same set, the same bytes

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


class SkyLedger(Application[UUID]):
    # All aggregates share one event store and one notification log, named after the product.
    name = "skyledger"
    # Long-lived aggregates (quota ledgers, compute nodes) are loaded by every command that
    # claims on them. The cache keeps them in memory and fast-forwards each `get` with only the
    # events stored since (one query), so a load is not a replay of the whole history, and a
    # change made by another process is still seen before any decision.
    env = {"AGGREGATE_CACHE_MAXSIZE": "10000", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    # A process that starts with an empty cache loads each ledger from its latest snapshot plus
    # the events after it, not from event zero: a busy host or project has hundreds of thousands.
    # eventsourcing takes the snapshot in `save()`, after the events are recorded, whenever an
    # aggregate's version reaches a multiple of the interval; it rebuilds that version from the
    # store (previous snapshot + events), never from the cache, so a snapshot holds recorded state
    # only. Cache and snapshots agree because both are the same projection of the same events:
    # the cache fast-forwards from its own version, a cold load from the snapshot's.
    # A host's heartbeat too: a delete reads it to judge the host up (one Beat per report interval).
    # A guest's console too: one Appended per console interval while the guest prints.
    # A network and a security group too: every port a boot makes records its addresses on its
    # network and joins its groups (the project's default one unless told otherwise), and its
    # release records them again, so a project's network and default group gain two events
    # per server's life. Their state is the live ports only; the events are every port ever.
    # Membership stays on the group, not only on the port: a group's deletion is refused
    # while ports use it, and only a save that writes the group can make that refusal and a
    # concurrent join conflict (a read model saying "no members" could be behind the join).
    snapshot_ledgers = (ComputeNode, QuotaLedger, ComputeHeartbeat, Console, Network,
                        SecurityGroup, ControlService)

    def __init__(self, env: Mapping[str, str] | None = None,
                 snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL) -> None:
        env = dict(env or {})
        # With no interval there is no snapshot store either: loads replay from event zero.
        env["IS_SNAPSHOTTING_ENABLED"] = "y" if snapshot_interval > 0 else "n"
        super().__init__(env=env)
        # Per instance (the library reads `self.snapshotting_intervals`), so N is a setting.
        self.snapshotting_intervals = (  # type: ignore[misc]
            dict.fromkeys(self.snapshot_ledgers, snapshot_interval) if snapshot_interval > 0
            else {})
        # Shared by every command service of this process (see domain/commands.py).
        self.write_locks = WriteLocks()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        recordings = super().save(*objs, **kwargs)
        marks = _written.get()
        if marks is not None and recordings:
            marks.append(max(r.notification.id for r in recordings))
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        # A snapshot is the aggregate's attributes, and a group's member ports are a set.
        transcoder.register(SetAsSortedList())

    def take_snapshot(self, *args: Any, **kwargs: Any) -> None:
        """A snapshot is only a shortcut: the events it follows are already committed when it is
        taken, so failing to store one must not make that save look failed (a command would
        retry work that was done). The next multiple of the interval takes another."""
        try:
            super().take_snapshot(*args, **kwargs)
        except PersistenceError:
            log.warning("snapshot of %s not stored", kwargs.get("aggregate_id"), exc_info=True)

    def get(self, aggregate_id: UUID, kind: type[A], what: str | None = None) -> A:
        """Load an aggregate of an expected class, or raise NotFound in the domain's words."""
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{what or kind.__name__} {aggregate_id} could not be found.") from None
        if not isinstance(aggregate, kind) or getattr(aggregate, "deleted", False):
            raise NotFound(f"{what or kind.__name__} {aggregate_id} could not be found.")
        return aggregate

    def find(self, aggregate_id: UUID) -> Any | None:
        """Load an aggregate if it was ever created (deleted ones included)."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0
