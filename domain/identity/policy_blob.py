"""Keystone's `/policies` (deprecated there, kept for its clients): an opaque blob and its
type, stored for whoever reads it; skyledger's own policy comes from oslo.policy, not these."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.identity.changes import Updatable

UPDATABLE = ("blob", "type", "extra")


class PolicyBlob(Updatable):
    updatable = UPDATABLE
    noun = "policy"

    class Created(Entity.Created):
        blob: str
        type: str
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, blob: str, type: str, extra: dict[str, Any] | None = None  # noqa: A002
                 ) -> None:
        self.blob = blob
        self.type = type
        self.extra = dict(extra or {})
        self.deleted = False

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _record_update(self, changes: dict[str, Any]) -> None:
        self._apply(changes)

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
