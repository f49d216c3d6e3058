"""Token validation without reloading its aggregates on every request (issue 18).

`api.auth.validate` reads the token's revocation, its user, project, groups, roles and what they
imply: about ten aggregate loads per request. Its answer depends on those aggregates and on
nothing else but the clock (the token's expiry, which `Tokens.verify` checks every time; tokens
of a trust or an application credential, whose expiry is read from an aggregate, are not
cached). So the cache keeps each answer with the ids of the aggregates it read (found or not: a
revocation is the creation of an aggregate whose id the token gives), and before every lookup
reads the log's events since the last lookup (one query) and drops each answer one of whose
aggregates has a new event. A revocation, a role unassigned, a user or project disabled or
deleted, a password changed is then refused by the very next request on every API server: the
command's event is committed before the command returns, and the next request's query sees it
(PostgreSQL commits events in notification-id order: adapters/persistence.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from api.auth import validate
from domain.app import SkyLedger
from domain.identity.tokens import TokenClaims, Tokens
from domain.identity.user import User

BATCH = 500
MAX_ENTRIES = 10_000

Validated = tuple[TokenClaims, User, tuple[str, ...]]


class _Recording:
    """The application as `validate` sees it, noting the id of every aggregate it looks for."""

    def __init__(self, app: SkyLedger) -> None:
        self._app = app
        self.ids: set[UUID] = set()

    def find(self, aggregate_id: UUID) -> Any | None:
        self.ids.add(aggregate_id)
        return self._app.find(aggregate_id)


@dataclass(frozen=True)
class _Entry:
    user: User
    roles: tuple[str, ...]
    ids: frozenset[UUID]


class TokenCache:
    """`validate(signer, token)`, as api.auth.validate, from a cache kept current by the log.
    `enabled=False` (SKYLEDGER_TOKEN_CACHE=false) validates every time, as before."""

    def __init__(self, app: SkyLedger, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled
        self._lock = threading.Lock()
        self._position: int | None = None
        self._entries: dict[str, _Entry] = {}
        self._by_id: dict[UUID, set[str]] = {}
        # Ids changed after the position an unfinished validation started from, so that the
        # answer it reached from older state is not kept (see _store).
        self._pending: Counter[int] = Counter()
        self._recent: list[tuple[int, UUID]] = []

    def validate(self, signer: Tokens, token: str | None) -> Validated:
        if not self.enabled or not token:
            return validate(self.app, signer, token)
        claims = signer.verify(token)  # signature and expiry, every time
        if claims.trust_id is not None or claims.app_cred_id is not None:
            return validate(self.app, signer, token)
        with self._lock:
            position = self._refresh()
            entry = self._entries.get(token)
            if entry is not None:
                return claims, entry.user, entry.roles
            self._pending[position] += 1
        recording = _Recording(self.app)
        try:
            _, user, roles = validate(cast(SkyLedger, recording), signer, token)
            self._store(token, position, _Entry(user, roles, frozenset(recording.ids)))
        finally:
            with self._lock:
                self._pending[position] -= 1
                if not self._pending[position]:
                    del self._pending[position]
        return claims, user, roles

    def __contains__(self, token: object) -> bool:
        with self._lock:
            return token in self._entries

    def _refresh(self) -> int:
        """Read the events since the last look and drop the answers they change; the position
        read up to. Under the lock."""
        if self._position is None:
            self._position = self.app.head()
            return self._position
        position = self._position
        while batch := self.app.recorder.select_notifications(start=position + 1, limit=BATCH):
            for notification in batch:
                originator = notification.originator_id
                self._changed(notification.id, originator if isinstance(originator, UUID)
                              else UUID(originator))
            position = batch[-1].id
            if len(batch) < BATCH:
                break
        self._position = position
        oldest = min(self._pending, default=position)
        self._recent = [(n, i) for n, i in self._recent if n > oldest]
        return position

    def _changed(self, notification_id: int, aggregate_id: UUID) -> None:
        for token in self._by_id.pop(aggregate_id, ()):
            self._drop(token)
        if self._pending:
            self._recent.append((notification_id, aggregate_id))

    def _store(self, token: str, position: int, entry: _Entry) -> None:
        with self._lock:
            if any(n > position and i in entry.ids for n, i in self._recent):
                return  # read while one of its aggregates changed: not kept
            if len(self._entries) >= MAX_ENTRIES:
                self._drop(next(iter(self._entries)))
            self._entries[token] = entry
            for aggregate_id in entry.ids:
                self._by_id.setdefault(aggregate_id, set()).add(token)

    def _drop(self, token: str) -> None:
        entry = self._entries.pop(token, None)
        if entry is None:
            return
        for aggregate_id in entry.ids:
            tokens = self._by_id.get(aggregate_id)
            if tokens is not None:
                tokens.discard(token)
                if not tokens:
                    del self._by_id[aggregate_id]
