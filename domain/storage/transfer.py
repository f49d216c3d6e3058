"""The Transfer aggregate: a volume offered by its project to whichever project presents the
offer's id and secret key (Cinder's volume transfer).

The key is shown once, in the answer to the create; the transfer keeps only a salted HMAC of it
(as Cinder keeps a salted hash), so neither the events nor the read model hold it. Accepting
hands the volume (and, unless `no_snapshots`, its snapshots) to the accepting project in one
save with both projects' quota ledgers; the transfer then is gone from the lists, remembered as
accepted by that project (3.57's history). Deleting it gives the volume back to its status.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput

KEY_LENGTH = 16  # Cinder's volume_transfer_key_length
SALT_LENGTH = 8  # Cinder's volume_transfer_salt_length


class InvalidAuthKey(InvalidInput):
    """Cinder's InvalidAuthKey (400)."""

    def __init__(self, transfer_id: object) -> None:
        super().__init__(f"Invalid auth key: Attempt to transfer {transfer_id} with invalid "
                         "auth key.")


def new_key() -> str:
    return secrets.token_hex(KEY_LENGTH)[:KEY_LENGTH]


def key_hash(salt: str, auth_key: str) -> str:
    return hmac.new(salt.encode(), auth_key.encode(), hashlib.sha256).hexdigest()


class Transfer(Entity):
    class Offered(Entity.Created):
        volume_id: str  # hex
        name: str | None
        no_snapshots: bool
        source_project_id: str
        salt: str
        crypt_hash: str

    @event(Offered)
    def __init__(self, volume_id: str, name: str | None, no_snapshots: bool,
                 source_project_id: str, salt: str, crypt_hash: str) -> None:
        self.volume_id, self.name, self.no_snapshots = volume_id, name, no_snapshots
        self.source_project_id, self.salt, self.crypt_hash = source_project_id, salt, crypt_hash
        self.destination_project_id: str | None = None
        self.accepted = False
        self.deleted = False

    @classmethod
    def offer(cls, volume_id: str, name: str | None, no_snapshots: bool,
              source_project_id: str) -> tuple[Transfer, str]:
        """A new transfer and its key (to be shown once)."""
        auth_key, salt = new_key(), secrets.token_hex(SALT_LENGTH)[:SALT_LENGTH]
        return cls(volume_id, name, no_snapshots, source_project_id, salt,
                   key_hash(salt, auth_key)), auth_key

    def check_key(self, auth_key: str) -> None:
        if not hmac.compare_digest(key_hash(self.salt, auth_key), self.crypt_hash):
            raise InvalidAuthKey(self.id)

    def accept(self, project_id: str, user_id: str) -> None:
        self._accepted(project_id, user_id)

    class Accepted(Entity.Event):
        project_id: str
        user_id: str

    @event(Accepted)
    def _accepted(self, project_id: str, user_id: str) -> None:
        self.accepted, self.destination_project_id, self.deleted = True, project_id, True

    def withdraw(self) -> None:
        self._withdrawn()

    class Withdrawn(Entity.Event):
        pass

    @event(Withdrawn)
    def _withdrawn(self) -> None:
        self.deleted = True
