"""Application credentials (Keystone v3): a secret a user makes to let a program act for them on
one project with some of their roles, until it expires; and the access rules that narrow which
API calls it may make. The secret is kept as a hash only; it is shown once, when made."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import Forbidden
from domain.identity.role import upcast_role_list


class ApplicationCredential(Entity):
    class Created(Entity.Created):
        # v1 events named the roles; v2 ones give their ids (domain/identity/role.py).
        class_version = 2
        user_id: str
        project_id: str
        name: str
        description: str
        secret_hash: str
        roles: list[str]
        expires_at: str | None
        unrestricted: bool
        access_rules: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_list(state)

    @event(Created)
    def __init__(self, user_id: str, project_id: str, name: str, description: str,
                 secret_hash: str, roles: list[str], expires_at: str | None,
                 unrestricted: bool, access_rules: list[str]) -> None:
        self.user_id = user_id
        self.project_id = project_id
        self.name = name
        self.description = description
        self.secret_hash = secret_hash
        self.roles = list(roles)
        self.expires_at = expires_at  # ISO 8601, UTC, or None: never
        self.unrestricted = unrestricted
        self.access_rules = list(access_rules)  # AccessRule ids (hex)
        self.deleted = False

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True


def access_rule_id(user_id: str, service: str, path: str, method: str) -> UUID:
    """A user's rule is found again by what it allows, as Keystone reuses identical rules."""
    return natural_id("access-rule", user_id, service, path, method)


class AccessRuleInUse(Forbidden):
    """Keystone refuses to delete an access rule an application credential still uses (403)."""


class AccessRule(Entity):
    @staticmethod
    def create_id(user_id: str, service: str, path: str, method: str) -> UUID:
        return access_rule_id(user_id, service, path, method)

    class Created(Entity.Created):
        user_id: str
        service: str
        path: str
        method: str

    @event(Created)
    def __init__(self, user_id: str, service: str, path: str, method: str) -> None:
        self.user_id = user_id
        self.service = service
        self.path = path
        self.method = method
        self.used_by: list[str] = []
        self.deleted = False

    def use(self, credential_id: str) -> None:
        if self.deleted:
            self._record_restore()
        self._record_use(credential_id)

    class Restored(Entity.Event):
        pass

    @event(Restored)
    def _record_restore(self) -> None:
        self.deleted = False

    class Used(Entity.Event):
        credential_id: str

    @event(Used)
    def _record_use(self, credential_id: str) -> None:
        self.used_by.append(credential_id)

    def release(self, credential_id: str) -> None:
        if credential_id in self.used_by:
            self._record_release(credential_id)

    class Released(Entity.Event):
        credential_id: str

    @event(Released)
    def _record_release(self, credential_id: str) -> None:
        self.used_by.remove(credential_id)

    def delete(self) -> None:
        if self.used_by:
            raise AccessRuleInUse(f"Access rule {self.id.hex} is in use by an application "
                                  "credential; delete that first.")
        self._record_delete()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _record_delete(self) -> None:
        self.deleted = True

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id.hex, "service": self.service, "path": self.path,
                "method": self.method}
