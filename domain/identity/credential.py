"""Credentials (Keystone v3 `/credentials`): a blob a user keeps for another service, such as an
EC2 access/secret pair. The blob is stored encrypted (the `SecretBox` port): events carry the
ciphertext only."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.identity.changes import Updatable

UPDATABLE = ("user_id", "project_id", "type", "encrypted_blob")


def credential_key(credential_id: str) -> UUID:
    # Keystone's ids are not all uuids: an EC2 credential's is sha256 of its access key.
    return natural_id("credential", credential_id)


def ec2_credential_id(access: str) -> str:
    return hashlib.sha256(access.encode()).hexdigest()


class Credential(Updatable):
    updatable = UPDATABLE

    @staticmethod
    def create_id(credential_id: str, user_id: str, project_id: str | None, type: str,  # noqa: A002
                  encrypted_blob: str) -> UUID:
        return credential_key(credential_id)

    class Created(Entity.Created):
        credential_id: str
        user_id: str
        project_id: str | None
        type: str
        encrypted_blob: str

    @event(Created)
    def __init__(self, credential_id: str, user_id: str, project_id: str | None,
                 type: str, encrypted_blob: str) -> None:  # noqa: A002
        self.credential_id = credential_id
        self.user_id = user_id
        self.project_id = project_id
        self.type = type
        self.encrypted_blob = encrypted_blob
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
