"""Trusts (Keystone's OS-TRUST): a trustor delegates some of their roles on a project to a
trustee, optionally impersonated, until it expires or its uses run out."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import Forbidden
from domain.identity.role import upcast_role_list


class TrustUseLimitReached(Forbidden):
    """Keystone's 403 once a trust's `remaining_uses` are spent."""


class Trust(Entity):
    class Created(Entity.Created):
        # v1 events named the roles; v2 ones give their ids (domain/identity/role.py).
        class_version = 2
        trustor_user_id: str
        trustee_user_id: str
        project_id: str | None
        roles: list[str]
        impersonation: bool
        expires_at: str | None
        remaining_uses: int | None
        allow_redelegation: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_list(state)

    @event(Created)
    def __init__(self, trustor_user_id: str, trustee_user_id: str, project_id: str | None,
                 roles: list[str], impersonation: bool, expires_at: str | None,
                 remaining_uses: int | None, allow_redelegation: bool) -> None:
        self.trustor_user_id = trustor_user_id
        self.trustee_user_id = trustee_user_id
        self.project_id = project_id
        self.roles = list(roles)
        self.impersonation = impersonation
        self.expires_at = expires_at  # ISO 8601 UTC with microseconds, or None: never
        self.remaining_uses = remaining_uses
        self.allow_redelegation = allow_redelegation
        self.deleted = False

    def consume(self) -> None:
        """One use of the trust to get a token: a trust with limited uses records it (and the
        version check on save makes two racing uses of the last one fail one of them)."""
        if self.remaining_uses is None:
            return
        if self.remaining_uses <= 0:
            raise TrustUseLimitReached(f"No remaining uses for trust: {self.id.hex}.")
        self._record_use()

    class Consumed(Entity.Event):
        pass

    @event(Consumed)
    def _record_use(self) -> None:
        assert self.remaining_uses is not None
        self.remaining_uses -= 1

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
