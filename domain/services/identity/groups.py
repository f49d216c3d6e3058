"""Group commands: CRUD, membership, and roles given to groups on projects or the system."""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import NotFound
from domain.identity.changes import DEFAULT_DOMAIN_ID
from domain.identity.group import SYSTEM_SCOPE, Group, domain_target
from domain.naming_service import claim_name, release_name
from domain.services.identity.core import IdentityService, merged_extra, parse_id


class GroupService:
    def __init__(self, app: SkyLedger, identity: IdentityService) -> None:
        self.app = app
        self.identity = identity

    @command
    def create_group(self, ctx: RequestContext, name: str, domain_id: str = DEFAULT_DOMAIN_ID,
                     description: str = "", extra: dict[str, Any] | None = None) -> Group:
        self.identity.check_domain(domain_id)
        group = Group(name, domain_id, description, extra)
        self.app.save(group, claim_name(self.app, "group", domain_id, name, group.id))
        return group

    @command
    def update_group(self, ctx: RequestContext, group_id: str, changes: dict[str, Any]) -> Group:
        group = self.group(group_id)
        changes = merged_extra(group.extra, changes)
        claims = []
        new_name = changes.get("name")
        if isinstance(new_name, str) and new_name != group.name:
            claims = [claim_name(self.app, "group", group.domain_id, new_name, group.id),
                      release_name(self.app, "group", group.domain_id, group.name, group.id)]
        if changes:
            group.update(changes)
        self.app.save(*changed(group, *claims))
        return group

    @command
    def delete_group(self, ctx: RequestContext, group_id: str) -> None:
        # Members keep the group's id; a deleted group gives them no roles (api/auth.py).
        group = self.group(group_id)
        group.delete()
        self.app.save(*changed(group, release_name(self.app, "group", group.domain_id,
                                                   group.name, group.id)))

    @command
    def add_member(self, ctx: RequestContext, group_id: str, user_id: str) -> None:
        group, user = self.group(group_id), self.identity.user(user_id)
        user.join(group.id.hex)
        self.app.save(*changed(user))

    @command
    def remove_member(self, ctx: RequestContext, group_id: str, user_id: str) -> None:
        group, user = self.group(group_id), self.identity.user(user_id)
        if not user.leave(group.id.hex):
            raise NotFound(f"User {user_id} is not a member of group {group_id}.")
        self.app.save(user)

    @command
    def grant(self, ctx: RequestContext, group_id: str, project_id: str | None,
              role_ref: str) -> None:
        """Give the group a role on a project, on a domain (`project_id` a `domain_target`), or
        on the system when `project_id` is None."""
        group, role = self.group(group_id), self.identity.role(role_ref)
        group.grant(self._target(project_id), role.id.hex)
        self.app.save(*changed(group))

    @command
    def revoke(self, ctx: RequestContext, group_id: str, project_id: str | None,
               role_ref: str) -> None:
        group, role = self.group(group_id), self.identity.role(role_ref)
        if not group.revoke(self._target(project_id), role.id.hex):
            raise NotFound(f"Could not find role assignment of {role.name} to group {group_id}.")
        self.app.save(group)

    def _target(self, project_id: str | None) -> str:
        """A project id, a `domain_target`, or None for the system."""
        if project_id is None:
            return SYSTEM_SCOPE
        if project_id.startswith(domain_target("")):
            self.identity.check_domain(project_id.removeprefix(domain_target("")))
            return project_id
        return self.identity.project(project_id).id.hex

    def group(self, group_id: str) -> Group:
        return self.app.get(parse_id(group_id, "group"), Group, "group")
