"""OS-INHERIT commands: roles a user or group holds on every project below a domain or a
project (domain/identity/inheritance.py says how such a grant is kept)."""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.identity.group import Group
from domain.identity.inheritance import inherited_target
from domain.identity.user import User
from domain.services.identity.core import IdentityService
from domain.services.identity.groups import GroupService

KINDS = ("domain", "project")


class InheritedGrantService:
    def __init__(self, app: SkyLedger, identity: IdentityService, groups: GroupService) -> None:
        self.app = app
        self.identity = identity
        self.groups = groups

    def target(self, kind: str, target_id: str) -> str:
        """The assignment key for grants inherited below the domain or project; 404 if it does
        not exist."""
        if kind == "domain":
            self.identity.check_domain(target_id)
            return inherited_target(kind, target_id)
        if kind == "project":
            return inherited_target(kind, self.identity.project(target_id).id.hex)
        raise InvalidInput(f"Roles are inherited from a domain or a project, not a {kind}.")

    def holder(self, actor: str, actor_id: str) -> User | Group:
        if actor == "user":
            return self.identity.user(actor_id)
        return self.groups.group(actor_id)

    @command
    def grant(self, ctx: RequestContext, kind: str, target_id: str, actor: str, actor_id: str,
              role_ref: str) -> None:
        target = self.target(kind, target_id)
        holder, role = self.holder(actor, actor_id), self.identity.role(role_ref)
        holder.grant(target, role.id.hex)
        self.app.save(*changed(holder))

    @command
    def revoke(self, ctx: RequestContext, kind: str, target_id: str, actor: str, actor_id: str,
               role_ref: str) -> None:
        target = self.target(kind, target_id)
        holder, role = self.holder(actor, actor_id), self.identity.role(role_ref)
        if not holder.revoke(target, role.id.hex):
            raise NotFound(f"Could not find inherited role assignment of {role.name} to {actor}"
                           f" {actor_id} on {kind} {target_id}.")
        self.app.save(holder)
