"""Flavors: the sizes instances are booted with. Public, or private with an access list."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import AlreadyExists, InvalidInput, NotFound

# The flavors Nova's documentation lists as the classic defaults:
# (flavorid, name, ram MiB, vcpus, disk GiB).
DEFAULT_FLAVORS = (
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
    ("5", "m1.xlarge", 16384, 8, 160),
)


def flavor_uuid(flavorid: str) -> UUID:
    return natural_id("flavor", flavorid)


class Flavor(Entity):
    # Version 2 added `disabled` (Nova's flavor column, shown as OS-FLV-DISABLED:disabled). The
    # aggregate's own version matters to snapshots of its state, the event's to stored events.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["disabled"] = False

    class Created(Entity.Created):
        # v1 events were stored before `disabled` existed: every flavor was enabled then.
        class_version = 2
        flavorid: str
        name: str
        ram: int
        vcpus: int
        disk: int
        ephemeral: int
        swap: int
        rxtx_factor: float
        is_public: bool
        description: str | None
        disabled: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["disabled"] = False

    @staticmethod
    def create_id(flavorid: str, **_: object) -> UUID:
        return flavor_uuid(flavorid)

    @event(Created)
    def __init__(
        self,
        flavorid: str,
        name: str,
        ram: int,
        vcpus: int,
        disk: int,
        ephemeral: int,
        swap: int,
        rxtx_factor: float,
        is_public: bool,
        description: str | None,
        disabled: bool = False,
    ) -> None:
        self.flavorid = flavorid
        self.name = name
        self.ram, self.vcpus, self.disk = ram, vcpus, disk
        self.ephemeral, self.swap, self.rxtx_factor = ephemeral, swap, rxtx_factor
        self.is_public = is_public
        self.description = description
        # Nova's flavor column: a disabled flavor stays for the instances that use it. Nothing
        # here sets it yet (Nova's API cannot either); boots do not check it yet.
        self.disabled = disabled
        self.extra_specs: dict[str, str] = {}
        self.access: list[str] = []
        self.deleted = False

    class DescriptionChanged(Entity.Event):
        description: str | None

    @event(DescriptionChanged)
    def describe(self, description: str | None) -> None:
        self.description = description

    class ExtraSpecsSet(Entity.Event):
        specs: dict[str, str]

    @event(ExtraSpecsSet)
    def set_extra_specs(self, specs: dict[str, str]) -> None:
        self.extra_specs.update(specs)

    class ExtraSpecUnset(Entity.Event):
        key: str

    @event(ExtraSpecUnset)
    def unset_extra_spec(self, key: str) -> None:
        self.extra_specs.pop(key, None)

    def grant_access(self, project_id: str) -> None:
        self.check_private()
        if project_id in self.access:  # Nova's FlavorAccessExists: a 409
            raise AlreadyExists(
                f"Flavor access already exists for flavor {self.flavorid} "
                f"and project {project_id} combination."
            )
        self._access_granted(project_id)

    class AccessGranted(Entity.Event):
        project_id: str

    @event(AccessGranted)
    def _access_granted(self, project_id: str) -> None:
        self.access.append(project_id)

    def revoke_access(self, project_id: str) -> None:
        self.check_private()
        if project_id not in self.access:  # Nova's FlavorAccessNotFound: a 404
            raise NotFound(
                f"Flavor access not found for {self.flavorid} / {project_id} combination."
            )
        self._access_revoked(project_id)

    class AccessRevoked(Entity.Event):
        project_id: str

    @event(AccessRevoked)
    def _access_revoked(self, project_id: str) -> None:
        self.access.remove(project_id)

    def check_private(self) -> None:
        if self.is_public:
            raise InvalidInput("Can not add access to a public flavor.")

    def visible_to(self, project_id: str | None, is_admin: bool) -> bool:
        return is_admin or self.is_public or project_id in self.access

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
