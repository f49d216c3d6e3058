"""Volume types: what a volume is made as (Cinder's volume types), with extra specs, an access
list when private, an optional qos-specs association, and the volumes that use it.

The type counts the volumes made with it (`volumes`): a volume request saves its type with it
and the confirmed deletion gives the volume back, so a type in use can never be deleted, even by
a delete racing a create (the two conflict on the type's version). The default type
(`__DEFAULT__`) is never deleted, so volumes of it are not counted: it would otherwise be one
aggregate every volume request in the cloud writes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.storage.volume_type_encryption import TypeEncryption

DEFAULT_TYPE = "__DEFAULT__"
# Cinder makes its default type at deployment with a random id; this one is fixed.
DEFAULT_TYPE_ID = UUID("5f1b0e1c-7a4f-5b4e-9d0a-3c2f5a7e8b61")
DEFAULT_DESCRIPTION = "Default Volume Type"
# The extra spec that names the backend (pool) volumes of a type are made in.
BACKEND_SPEC = "volume_backend_name"
UPDATABLE = ("name", "description", "is_public")


def type_name_claim(name: str) -> tuple[str, str, str]:
    """The NameClaim key of a type's name (names are unique in the cloud, as in Cinder)."""
    return ("volume-type", "", name)


class VolumeTypeInUse(InvalidInput):
    def __init__(self) -> None:
        super().__init__("Target volume type is still in use.")


class VolumeType(TypeEncryption):
    @staticmethod
    def create_id(name: str, **_: object) -> UUID:
        """The default type's id is fixed; any other type's is random, as in Cinder (a name
        is unique only while its type exists)."""
        return DEFAULT_TYPE_ID if name == DEFAULT_TYPE else uuid4()

    class Created(Entity.Created):
        name: str
        description: str | None
        is_public: bool
        extra_specs: dict[str, str]

    @event(Created)
    def __init__(self, name: str, description: str | None, is_public: bool,
                 extra_specs: dict[str, str]) -> None:
        self.name, self.description, self.is_public = name, description, is_public
        self.extra_specs = dict(extra_specs)
        self.access: list[str] = []
        self.qos_specs_id: str | None = None
        self.volumes: list[str] = []  # hex ids of the volumes made with this type
        self.encryption = None  # volume_type_encryption.py
        self.deleted = False

    @property
    def is_default(self) -> bool:
        return self.id == DEFAULT_TYPE_ID

    @property
    def backend_name(self) -> str | None:
        return self.extra_specs.get(BACKEND_SPEC)

    def visible_to(self, project_id: str | None, is_admin: bool) -> bool:
        return is_admin or self.is_public or project_id in self.access

    # -- changes by an administrator ------------------------------------------------------------
    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def update(self, changes: dict[str, Any]) -> None:
        for key in UPDATABLE:
            if key in changes:
                setattr(self, key, changes[key])

    class ExtraSpecsSet(Entity.Event):
        specs: dict[str, str]

    @event(ExtraSpecsSet)
    def set_extra_specs(self, specs: dict[str, str]) -> None:
        self.extra_specs.update(specs)

    def unset_extra_spec(self, key: str) -> None:
        if key not in self.extra_specs:
            raise NotFound(f"Volume Type {self.id} has no extra specs with key {key}.")
        self._extra_spec_unset(key)

    class ExtraSpecUnset(Entity.Event):
        key: str

    @event(ExtraSpecUnset)
    def _extra_spec_unset(self, key: str) -> None:
        self.extra_specs.pop(key, None)

    def grant_access(self, project_id: str) -> None:
        if self.is_public:
            raise InvalidInput("Invalid volume type: Type access modification is not "
                               "applicable to public volume type.")
        if project_id in self.access:
            raise AlreadyExists(f"Volume type access for {self.id} / {project_id} combination "
                                "already exists.")
        self._access_granted(project_id)

    class AccessGranted(Entity.Event):
        project_id: str

    @event(AccessGranted)
    def _access_granted(self, project_id: str) -> None:
        self.access.append(project_id)

    def revoke_access(self, project_id: str) -> None:
        if self.is_public:
            raise InvalidInput("Invalid volume type: Type access modification is not "
                               "applicable to public volume type.")
        if project_id not in self.access:
            raise NotFound(f"Volume type access not found for {self.id} / {project_id} "
                           "combination.")
        self._access_revoked(project_id)

    class AccessRevoked(Entity.Event):
        project_id: str

    @event(AccessRevoked)
    def _access_revoked(self, project_id: str) -> None:
        self.access.remove(project_id)

    class QosAssociated(Entity.Event):
        qos_specs_id: str | None

    @event(QosAssociated)
    def set_qos_specs(self, qos_specs_id: str | None) -> None:
        """`None` disassociates; the QosSpecs aggregate is saved with this change."""
        self.qos_specs_id = qos_specs_id

    def delete(self) -> None:
        if self.is_default:
            raise InvalidInput("Default volume type can not be deleted.")
        if self.volumes:
            raise VolumeTypeInUse()
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True

    # -- volumes made with it -------------------------------------------------------------------
    def use(self, volume_id: str) -> None:
        """A volume is requested with this type (saved together with the volume)."""
        if not self.is_default and volume_id not in self.volumes:
            self._used(volume_id)

    class Used(Entity.Event):
        volume_id: str

    @event(Used)
    def _used(self, volume_id: str) -> None:
        self.volumes.append(volume_id)

    def release(self, volume_id: str) -> None:
        """The volume is gone (or retyped away)."""
        if volume_id in self.volumes:
            self._released(volume_id)

    class Released(Entity.Event):
        volume_id: str

    @event(Released)
    def _released(self, volume_id: str) -> None:
        self.volumes.remove(volume_id)

