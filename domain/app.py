"""The command side's event store: one Application, so that one `save()` can hold any set
of aggregates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.commands import WriteLocks
from domain.errors import NotFound


class SkyLedger(Application):
    # All aggregates share one event store and one notification log, named after the product.
    name = "skyledger"
    # Long-lived aggregates (quota ledgers, compute nodes) are loaded by every command that
    # claims on them. The cache keeps them in memory and fast-forwards each `get` with only the
    # events stored since (one query), so a load is not a replay of the whole history, and a
    # change made by another process is still seen before any decision.
    env = {"AGGREGATE_CACHE_MAXSIZE": "10000", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env=env)
        # Shared by every command service of this process (see domain/commands.py).
        self.write_locks = WriteLocks()

    def get(self, aggregate_id: UUID, kind: type[Any], what: str | None = None) -> Any:
        """Load an aggregate of an expected class, or raise NotFound in the domain's words."""
        try:
            aggregate = self.repository.get(aggregate_id)
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
