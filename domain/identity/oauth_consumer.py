"""Keystone's OS-OAUTH1 consumers: the third-party applications that may ask for delegated
access. Only the secret's SHA-256 is recorded (the secret is shown once, at creation): the
OAuth1 request-token flow that would sign with it is not served yet, and when it is, the
secret will have to be kept encrypted (as EC2 credentials are), never plain in the log."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.identity.changes import Updatable

UPDATABLE = ("description", "extra")


class OAuthConsumer(Updatable):
    updatable = UPDATABLE
    noun = "consumer"

    class Created(Entity.Created):
        description: str | None
        secret_sha256: str
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(self, description: str | None, secret_sha256: str,
                 extra: dict[str, Any] | None = None) -> None:
        self.description = description
        self.secret_sha256 = secret_sha256
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
