"""Keypairs, one per (user, name). The project is recorded because its quota ledger counts them."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import NotFound, QuotaExceeded

KEY_TYPES = ("ssh", "x509")


class KeypairLimitExceeded(QuotaExceeded):
    """Nova words a keypair quota refusal its own way (403 all the same)."""

    def __str__(self) -> str:
        return "Quota exceeded, too many key pairs."


def keypair_not_found(user_id: str, name: str) -> NotFound:
    return NotFound(f"Keypair {name} not found for user {user_id}")


def keypair_id(user_id: str, name: str) -> UUID:
    return natural_id("keypair", user_id, name)


class Keypair(Entity):
    @staticmethod
    def create_id(user_id: str, name: str, **_: object) -> UUID:
        return keypair_id(user_id, name)

    class Imported(Entity.Created):
        user_id: str
        name: str
        project_id: str
        public_key: str
        fingerprint: str
        type: str

    @event(Imported)
    def __init__(
        self, user_id: str, name: str, project_id: str, public_key: str, fingerprint: str, type: str
    ) -> None:
        self._set(user_id, name, project_id, public_key, fingerprint, type)

    def _set(self, user_id: str, name: str, project_id: str, public_key: str,
             fingerprint: str, type: str) -> None:  # noqa: A002
        self.user_id, self.name, self.project_id = user_id, name, project_id
        self.public_key, self.fingerprint, self.type = public_key, fingerprint, type
        self.deleted = False

    class Reimported(Entity.Event):
        user_id: str
        name: str
        project_id: str
        public_key: str
        fingerprint: str
        type: str

    @event(Reimported)
    def reimport(
        self, user_id: str, name: str, project_id: str, public_key: str, fingerprint: str, type: str
    ) -> None:
        self._set(user_id, name, project_id, public_key, fingerprint, type)

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
