"""Users: credentials (a password hash only, never the password), enablement, role assignments."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import DomainError
from domain.identity.changes import Updatable
from domain.identity.role import upcast_role_field

# Password and enablement change through their own events, never through `update`.
UPDATABLE = ("name", "default_project_id", "email", "description", "extra")


class InvalidCredentials(DomainError):
    """The password given to prove who the caller is did not match (Keystone answers 401)."""


class User(Updatable):
    updatable = UPDATABLE

    class Created(Entity.Created):
        name: str
        domain_id: str
        password_hash: str | None
        default_project_id: str | None
        email: str | None
        description: str
        enabled: bool
        extra: dict[str, Any] | None

    @event(Created)
    def __init__(
        self,
        name: str,
        domain_id: str,
        password_hash: str | None,
        default_project_id: str | None,
        email: str | None,
        description: str,
        enabled: bool,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.domain_id = domain_id
        self.password_hash = password_hash
        self.default_project_id = default_project_id
        self.email = email
        self.description = description
        self.enabled = enabled
        # Keystone keeps attributes it does not know in `extra` and returns them as given.
        self.extra = dict(extra or {})
        self.deleted = False
        self.tokens_valid_after = 0.0
        # project id (hex) -> role ids (hex)
        self.assignments: dict[str, list[str]] = {}
        # Roles (ids hex) held on the system scope (Keystone's `/system/users/{id}/roles`).
        self.system_roles: list[str] = []
        # Ids (hex) of the groups the user is a member of.
        self.groups: list[str] = []
        # Every password hash the user has had, the current one last (password history).
        self.password_hashes: list[str] = [password_hash] if password_hash else []
        # Failed logins since the last successful one, and when the latest was (lockout).
        self.failed_logins = 0
        self.last_failed_login_at = 0.0

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _record_update(self, changes: dict[str, Any]) -> None:
        self._apply(changes)

    class PasswordChanged(Entity.Event):
        password_hash: str
        tokens_valid_after: float

    @event(PasswordChanged)
    def change_password(self, password_hash: str, tokens_valid_after: float = 0.0) -> None:
        # Keystone ends a user's tokens when the password changes: tokens issued before
        # `tokens_valid_after` (seconds since the epoch) are refused from now on.
        self.password_hash = password_hash
        self.tokens_valid_after = tokens_valid_after
        self.password_hashes.append(password_hash)

    def is_locked(self, now: float, attempts: int, duration: float) -> bool:
        """Whether `attempts` failed logins (0: never) lock the account at `now`."""
        return (attempts > 0 and self.failed_logins >= attempts
                and now - self.last_failed_login_at < duration)

    class LoginFailed(Entity.Event):
        at: float

    @event(LoginFailed)
    def login_failed(self, at: float) -> None:
        self.failed_logins += 1
        self.last_failed_login_at = at

    class FailedLoginsCleared(Entity.Event):
        pass

    @event(FailedLoginsCleared)
    def clear_failed_logins(self) -> None:
        self.failed_logins = 0

    class Disabled(Entity.Event):
        pass

    @event(Disabled)
    def disable(self) -> None:
        self.enabled = False

    class Enabled(Entity.Event):
        pass

    @event(Enabled)
    def enable(self) -> None:
        self.enabled = True

    def grant(self, project_id: str, role: str) -> None:
        if role not in self.assignments.get(project_id, []):
            self._record_grant(project_id, role)

    class RoleGranted(Entity.Event):
        # v1 events named the role; v2 ones give its id (domain/identity/role.py).
        class_version = 2
        project_id: str
        role: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state)

    @event(RoleGranted)
    def _record_grant(self, project_id: str, role: str) -> None:
        self.assignments.setdefault(project_id, []).append(role)

    def revoke(self, project_id: str, role: str) -> bool:
        if role in self.assignments.get(project_id, []):
            self._record_revoke(project_id, role)
            return True
        return False

    class RoleRevoked(Entity.Event):
        # v1 events named the role; v2 ones give its id (domain/identity/role.py).
        class_version = 2
        project_id: str
        role: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state)

    @event(RoleRevoked)
    def _record_revoke(self, project_id: str, role: str) -> None:
        self.assignments[project_id].remove(role)
        if not self.assignments[project_id]:
            del self.assignments[project_id]

    def roles_on(self, project_id: str) -> list[str]:
        return list(self.assignments.get(project_id, []))

    def grant_system(self, role: str) -> None:
        if role not in self.system_roles:
            self._record_system_grant(role)

    class SystemRoleGranted(Entity.Event):
        # v1 events named the role; v2 ones give its id (domain/identity/role.py).
        class_version = 2
        role: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state)

    @event(SystemRoleGranted)
    def _record_system_grant(self, role: str) -> None:
        self.system_roles.append(role)

    def revoke_system(self, role: str) -> bool:
        if role in self.system_roles:
            self._record_system_revoke(role)
            return True
        return False

    class SystemRoleRevoked(Entity.Event):
        # v1 events named the role; v2 ones give its id (domain/identity/role.py).
        class_version = 2
        role: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_role_field(state)

    @event(SystemRoleRevoked)
    def _record_system_revoke(self, role: str) -> None:
        self.system_roles.remove(role)

    def join(self, group_id: str) -> None:
        if group_id not in self.groups:
            self._record_join(group_id)

    class AddedToGroup(Entity.Event):
        group_id: str

    @event(AddedToGroup)
    def _record_join(self, group_id: str) -> None:
        self.groups.append(group_id)

    def leave(self, group_id: str) -> bool:
        if group_id in self.groups:
            self._record_leave(group_id)
            return True
        return False

    class RemovedFromGroup(Entity.Event):
        group_id: str

    @event(RemovedFromGroup)
    def _record_leave(self, group_id: str) -> None:
        self.groups.remove(group_id)

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
