"""A volume type's encryption specs (Cinder's `/types/{id}/encryption`): the provider, where the
encryption is done, the cipher and key size volumes of the type are to be encrypted with.

They are kept on the VolumeType aggregate (this is its base), so the rule that they change only
while no volume uses the type is checked against the type's own count of its volumes. This cloud
has no key manager, so it makes no encrypted volume: a volume of an encrypted type is refused
(domain/services/storage/types.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput, NotFound

FIELDS = ("provider", "control_location", "cipher", "key_size")


class TypeEncryption(Entity):
    id: UUID
    volumes: list[str]
    # {encryption_id (hex), provider, control_location, cipher, key_size}; None: unencrypted
    encryption: dict[str, Any] | None

    def _check_unused(self, action: str) -> None:
        if self.volumes:
            raise InvalidInput(f"Invalid volume type: Cannot {action} encryption specs. "
                               "Volume type in use.")

    def _current(self, encryption_id: str | None = None) -> dict[str, Any]:
        if self.encryption is None or (encryption_id is not None
                                       and encryption_id != self.encryption["encryption_id"]):
            raise NotFound(f"Volume type encryption for type {self.id} does not exist.")
        return self.encryption

    def encrypt(self, specs: dict[str, Any]) -> None:
        if self.encryption is not None:
            raise InvalidInput(f"Invalid volume type: Volume type encryption for type "
                               f"{self.id} already exists.")
        self._check_unused("create")
        made = {"control_location": "front-end", "cipher": None, "key_size": None,
                **{k: v for k, v in specs.items() if k in FIELDS},
                "encryption_id": uuid4().hex}
        self._encryption_set(made)

    def change_encryption(self, encryption_id: str, changes: dict[str, Any]) -> None:
        current = self._current(encryption_id)
        self._check_unused("update")
        self._encryption_set({**current, **{k: v for k, v in changes.items() if k in FIELDS}})

    class EncryptionSet(Entity.Event):
        encryption: dict[str, Any]

    @event(EncryptionSet)
    def _encryption_set(self, encryption: dict[str, Any]) -> None:
        self.encryption = dict(encryption)

    def remove_encryption(self, encryption_id: str) -> None:
        self._current(encryption_id)
        self._check_unused("delete")
        self._encryption_removed()

    class EncryptionRemoved(Entity.Event):
        pass

    @event(EncryptionRemoved)
    def _encryption_removed(self) -> None:
        self.encryption = None
