"""Users: credentials (a password hash only, never the password), enablement and role assignments."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity


class User(Entity):
    @event("Created")
    def __init__(
        self,
        name: str,
        domain_id: str,
        password_hash: str | None,
        default_project_id: str | None,
        email: str | None,
        description: str,
        enabled: bool,
    ) -> None:
        self.name = name
        self.domain_id = domain_id
        self.password_hash = password_hash
        self.default_project_id = default_project_id
        self.email = email
        self.description = description
        self.enabled = enabled
        self.deleted = False
        # project id (hex) -> role names
        self.assignments: dict[str, list[str]] = {}

    @event("Updated")
    def update(self, changes: dict[str, object]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    @event("PasswordChanged")
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash

    @event("Disabled")
    def disable(self) -> None:
        self.enabled = False

    @event("Enabled")
    def enable(self) -> None:
        self.enabled = True

    def grant(self, project_id: str, role: str) -> None:
        if role not in self.assignments.get(project_id, []):
            self._record_grant(project_id, role)

    @event("RoleGranted")
    def _record_grant(self, project_id: str, role: str) -> None:
        self.assignments.setdefault(project_id, []).append(role)

    def revoke(self, project_id: str, role: str) -> bool:
        if role in self.assignments.get(project_id, []):
            self._record_revoke(project_id, role)
            return True
        return False

    @event("RoleRevoked")
    def _record_revoke(self, project_id: str, role: str) -> None:
        self.assignments[project_id].remove(role)
        if not self.assignments[project_id]:
            del self.assignments[project_id]

    def roles_on(self, project_id: str) -> list[str]:
        return list(self.assignments.get(project_id, []))

    @event("Deleted")
    def delete(self) -> None:
        self.deleted = True
