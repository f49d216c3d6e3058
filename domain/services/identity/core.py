"""Identity commands: projects, users, roles, role assignments, token revocation."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.backends import PasswordHasher
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from domain.identity.changes import DEFAULT_DOMAIN_ID
from domain.identity.domain import Domain
from domain.identity.group import SYSTEM_SCOPE, Group, domain_target
from domain.identity.inheritance import targets_inherited_by
from domain.identity.project import Project
from domain.identity.revocation import TokenRevocation, revocation_id
from domain.identity.role import BUILTIN_IDS, Role, role_id
from domain.identity.user import User
from domain.naming import NameClaim, claim_id
from domain.naming_service import claim_name, release_name
from domain.services.identity.role_resolution import expanded_role_ids, role_scope


def parse_id(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"Could not find {what}: {value}.") from None


def merged_extra(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Keystone merges the unknown attributes of a PATCH into those already stored."""
    if "extra" not in changes:
        return dict(changes)
    return {**changes, "extra": {**current, **changes["extra"]}}


def held_roles(app: SkyLedger, user: User, target: str) -> list[str]:
    """The roles (ids hex) the user holds on a project (id hex) or on the system ("system"): their
    own and those given to the groups they belong to, on it or inherited to it (OS-INHERIT)."""
    if target == SYSTEM_SCOPE:
        roles = set(user.system_roles)
        targets = [target]
    else:
        targets = [target, *inheriting_targets(app, target)]
        roles = {role for t in targets for role in user.roles_on(t)}
    for group_id in user.groups:
        group = app.find(UUID(group_id))
        if isinstance(group, Group):
            roles.update(role for t in targets for role in group.roles_on(t))
    return sorted(roles)


def project_ancestors(app: SkyLedger, project: Project) -> list[str]:
    """The ids (hex) of the projects above `project`, nearest first."""
    out: list[str] = []
    parent_id = project.parent_id
    while parent_id is not None and parent_id not in out:
        out.append(parent_id)
        parent = app.find(UUID(parent_id))
        parent_id = parent.parent_id if isinstance(parent, Project) else None
    return out


def inheriting_targets(app: SkyLedger, target: str) -> list[str]:
    """The `inherited_target` keys whose grants hold on `target` when it is a project (its
    domain's and its ancestors'); none for a domain or the system."""
    try:
        project = app.find(UUID(target))
    except ValueError:
        return []
    if not isinstance(project, Project) or project.deleted:
        return []
    return targets_inherited_by(project.domain_id, project_ancestors(app, project))


def strip_role(holder: User | Group, role: str) -> None:
    for target in list(holder.assignments):
        if role in holder.assignments[target]:
            holder.revoke(target, role)
    if isinstance(holder, User):
        holder.revoke_system(role)


class IdentityService:
    def __init__(self, app: SkyLedger, hasher: PasswordHasher) -> None:
        self.app = app
        self.hasher = hasher

    # projects -------------------------------------------------------------------------------
    @command
    def create_project(self, ctx: RequestContext, name: str, domain_id: str = DEFAULT_DOMAIN_ID,
                       description: str = "", enabled: bool = True, tags: list[str] | None = None,
                       extra: dict[str, Any] | None = None,
                       parent_id: str | None = None) -> Project:
        self.check_domain(domain_id)
        if parent_id is not None:
            parent = self.project(parent_id)
            if parent.domain_id != domain_id:
                raise InvalidInput("A project's parent must be in the project's domain.")
            parent_id = parent.id.hex
        project = Project(name, domain_id, description, enabled, tags, extra, parent_id)
        claim = claim_name(self.app, "project", domain_id, name, project.id)
        self.app.save(project, claim)
        return project

    @command
    def update_project(self, ctx: RequestContext, project_id: str,
                       changes: dict[str, Any]) -> Project:
        project = self.project(project_id)
        changes = merged_extra(project.extra, changes)
        claims = self._rename("project", project, changes.get("name"))
        if changes:
            project.update(changes)
        self.app.save(*changed(project, *claims))
        return project

    @command
    def delete_project(self, ctx: RequestContext, project_id: str,
                       member_ids: Iterable[str] = ()) -> None:
        """Delete the project and the role assignments on it of the users in `member_ids`.

        The caller names the members (from the identity read model): taking their roles away in
        the same save makes tokens scoped to the deleted project fail on their next request.
        """
        project = self.project(project_id)
        project.delete()
        members = [self.app.find(parse_id(m, "user")) for m in member_ids]
        for user in members:
            if isinstance(user, User):
                for role in user.roles_on(project.id.hex):
                    user.revoke(project.id.hex, role)
        released = release_name(self.app, "project", project.domain_id, project.name, project.id)
        self.app.save(*changed(project, released, *members))

    def check_domain(self, domain_id: str) -> None:
        """The domain exists (the built-in `default`, or a `Domain` not deleted)."""
        if domain_id == DEFAULT_DOMAIN_ID:
            return
        found = self.app.find(parse_id(domain_id, "domain"))
        if not isinstance(found, Domain) or found.deleted:
            raise NotFound(f"Could not find domain: {domain_id}.")

    def project(self, project_id: str) -> Project:
        return self.app.get(parse_id(project_id, "project"), Project, "project")

    def _rename(self, kind: str, owner: Project | User, new_name: object) -> list[NameClaim | None]:
        """The name claims to save when `owner` is renamed: the new one taken, the old released."""
        if not isinstance(new_name, str) or new_name == owner.name:
            return []
        return [claim_name(self.app, kind, owner.domain_id, new_name, owner.id),
                release_name(self.app, kind, owner.domain_id, owner.name, owner.id)]

    # users ----------------------------------------------------------------------------------
    @command
    def create_user(self, ctx: RequestContext, name: str, password: str | None,
                    domain_id: str = DEFAULT_DOMAIN_ID, default_project_id: str | None = None,
                    email: str | None = None, description: str = "", enabled: bool = True,
                    extra: dict[str, Any] | None = None) -> User:
        self.check_domain(domain_id)
        if default_project_id is not None:
            self.project(default_project_id)
        password_hash = self.hasher.hash(password) if password else None
        user = User(name, domain_id, password_hash, default_project_id, email, description,
                    enabled, extra)
        self.app.save(user, claim_name(self.app, "user", domain_id, name, user.id))
        return user

    @command
    def update_user(self, ctx: RequestContext, user_id: str, changes: dict[str, Any]) -> User:
        user = self.user(user_id)
        changes = merged_extra(user.extra, changes)
        password = changes.pop("password", None)
        enabled = changes.pop("enabled", None)
        if isinstance(changes.get("default_project_id"), str):
            self.project(changes["default_project_id"])
        claims = self._rename("user", user, changes.get("name"))
        if changes:
            user.update(changes)
        if isinstance(password, str):
            user.change_password(self.hasher.hash(password), time.time())
        if enabled is False and user.enabled:
            user.disable()
        elif enabled is True and not user.enabled:
            user.enable()
        self.app.save(*changed(user, *claims))
        return user

    @command
    def delete_user(self, ctx: RequestContext, user_id: str) -> None:
        user = self.user(user_id)
        user.delete()
        self.app.save(*changed(user, release_name(self.app, "user", user.domain_id, user.name,
                                                  user.id)))

    def user(self, user_id: str) -> User:
        return self.app.get(parse_id(user_id, "user"), User, "user")

    def authenticate(self, name: str, domain_id: str, password: str) -> User | None:
        """The user whose name and password match, or None (never says which part was wrong)."""
        claim = self.app.find(claim_id("user", domain_id, name))
        user = self.app.find(claim.owner_id) if claim and claim.owner_id else None
        if not isinstance(user, User) or user.deleted or not user.password_hash:
            return None
        return user if self.hasher.verify(user.password_hash, password) else None

    # roles and assignments ------------------------------------------------------------------
    @command
    def create_role(self, ctx: RequestContext, name: str, description: str | None = None,
                    extra: dict[str, Any] | None = None, domain_id: str | None = None) -> Role:
        if domain_id is not None:
            self.check_domain(domain_id)
        self.check_role_name_free(name, domain_id)
        role = Role(name, description, extra, domain_id)
        claim = claim_name(self.app, "role", role_scope(domain_id), name, role.id)
        self.app.save(role, claim)
        return role

    @command
    def update_role(self, ctx: RequestContext, role_ref: str, changes: dict[str, Any]) -> Role:
        role = self.role(role_ref)
        changes = merged_extra(role.extra, changes)
        claims: list[NameClaim | None] = []
        new_name = changes.get("name")
        if isinstance(new_name, str) and new_name != role.name:
            if role.id.hex in BUILTIN_IDS.values():
                raise Forbidden(f"The built-in role {role.name} cannot be renamed: policies "
                                "name it.")
            self.check_role_name_free(new_name, role.domain_id)
            scope = role_scope(role.domain_id)
            claims = [claim_name(self.app, "role", scope, new_name, role.id),
                      release_name(self.app, "role", scope, role.name, role.id)]
        if changes:
            role.update(changes)
        self.app.save(*changed(role, *claims))
        return role

    def check_role_name_free(self, name: str, domain_id: str | None) -> None:
        """Names are claimed per domain; a global role made before ids stopped following names
        holds its name by its id alone (it has no claim)."""
        legacy = self.app.find(role_id(name)) if domain_id is None else None
        if isinstance(legacy, Role) and not legacy.deleted and legacy.name == name:
            raise AlreadyExists(f"Duplicate entry: a role named '{name}' already exists.")
        claim = self.app.find(claim_id("role", role_scope(domain_id), name))
        if claim is not None and claim.owner_id is not None:
            raise AlreadyExists(f"Duplicate entry: a role named '{name}' already exists.")

    @command
    def delete_role(self, ctx: RequestContext, role_ref: str, holder_ids: Iterable[str] = ()
                    ) -> None:
        """Delete the role and, in the same save, take it from the users and groups the caller
        found holding it (from the read models), on every project and on the system."""
        role = self.role(role_ref)
        role.delete()
        holders = [self.app.find(parse_id(h, "role holder")) for h in holder_ids]
        for holder in holders:
            if isinstance(holder, (User, Group)):
                strip_role(holder, role.id.hex)
        claim = release_name(self.app, "role", role_scope(role.domain_id), role.name, role.id)
        self.app.save(*changed(role, claim, *holders))

    @command
    def imply(self, ctx: RequestContext, prior_ref: str, implied_ref: str) -> None:
        prior, implied = self.role(prior_ref), self.role(implied_ref)
        if implied.domain_id is not None and prior.domain_id is None:
            raise Forbidden(f"A global role cannot imply the domain-specific role "
                            f"{implied.name}.")
        if prior.id == implied.id or prior.id.hex in expanded_role_ids(self.app,
                                                                      [implied.id.hex]):
            raise InvalidInput(f"{implied.name} implying {prior.name} already: no cycles.")
        prior.imply(implied.id.hex)
        self.app.save(*changed(prior))

    @command
    def stop_implying(self, ctx: RequestContext, prior_ref: str, implied_ref: str) -> None:
        prior, implied = self.role(prior_ref), self.role(implied_ref)
        if not prior.stop_implying(implied.id.hex):
            raise NotFound(f"Could not find role inference rule: {prior_ref} implies "
                           f"{implied_ref}.")
        self.app.save(prior)

    def role(self, role_ref: str) -> Role:
        return self.app.get(parse_id(role_ref, "role"), Role, "role")

    @command
    def grant(self, ctx: RequestContext, project_id: str, user_id: str, role_ref: str) -> None:
        project, user, role = self.project(project_id), self.user(user_id), self.role(role_ref)
        user.grant(project.id.hex, role.id.hex)
        self.app.save(*changed(user))

    @command
    def revoke(self, ctx: RequestContext, project_id: str, user_id: str, role_ref: str) -> None:
        project, user, role = self.project(project_id), self.user(user_id), self.role(role_ref)
        if not user.revoke(project.id.hex, role.id.hex):
            raise NotFound(f"Could not find role assignment of {role.name} to user {user_id} "
                           f"on project {project_id}.")
        self.app.save(user)

    @command
    def grant_on_domain(self, ctx: RequestContext, domain_id: str, user_id: str,
                        role_ref: str) -> None:
        self.check_domain(domain_id)
        user, role = self.user(user_id), self.role(role_ref)
        user.grant(domain_target(domain_id), role.id.hex)
        self.app.save(*changed(user))

    @command
    def revoke_on_domain(self, ctx: RequestContext, domain_id: str, user_id: str,
                         role_ref: str) -> None:
        self.check_domain(domain_id)
        user, role = self.user(user_id), self.role(role_ref)
        if not user.revoke(domain_target(domain_id), role.id.hex):
            raise NotFound(f"Could not find role assignment of {role.name} to user {user_id} "
                           f"on domain {domain_id}.")
        self.app.save(user)

    @command
    def grant_system(self, ctx: RequestContext, user_id: str, role_ref: str) -> None:
        user, role = self.user(user_id), self.role(role_ref)
        user.grant_system(role.id.hex)
        self.app.save(*changed(user))

    @command
    def revoke_system(self, ctx: RequestContext, user_id: str, role_ref: str) -> None:
        user, role = self.user(user_id), self.role(role_ref)
        if not user.revoke_system(role.id.hex):
            raise NotFound(f"Could not find role assignment of {role.name} to user {user_id} "
                           "on the system.")
        self.app.save(user)

    # tokens ---------------------------------------------------------------------------------
    @command
    def revoke_token(self, ctx: RequestContext, token_id: str, user_id: str,
                     expires_at: str) -> None:
        if self.app.find(revocation_id(token_id)) is None:
            self.app.save(TokenRevocation(token_id, user_id, expires_at))

    def is_revoked(self, token_id: str) -> bool:
        return self.app.find(revocation_id(token_id)) is not None
