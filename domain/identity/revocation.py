"""A revoked token. Tokens themselves are signed, not stored; only their revocation is an event."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id


def revocation_id(token_id: str) -> UUID:
    return natural_id("token-revocation", token_id)


class TokenRevocation(Entity):
    @staticmethod
    def create_id(token_id: str, user_id: str, expires_at: str) -> UUID:
        return revocation_id(token_id)

    class Revoked(Entity.Created):
        token_id: str
        user_id: str
        expires_at: str

    @event(Revoked)
    def __init__(self, token_id: str, user_id: str, expires_at: str) -> None:
        self.token_id = token_id
        self.user_id = user_id
        self.expires_at = expires_at
