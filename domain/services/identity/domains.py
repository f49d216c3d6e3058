"""Domain commands: create, update, disable and delete (with everything inside it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import AlreadyExists, Forbidden
from domain.identity.changes import DEFAULT_DOMAIN_ID
from domain.identity.domain import Domain
from domain.identity.group import Group
from domain.identity.project import Project
from domain.identity.user import User
from domain.naming import NameClaim
from domain.naming_service import claim_name, release_name
from domain.services.identity.core import merged_extra, parse_id

DEFAULT_DOMAIN_NAME = "Default"
# Domain names are unique across the cloud: their claims share one scope.
GLOBAL = ""


class DomainService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def create_domain(self, ctx: RequestContext, name: str, description: str = "",
                      enabled: bool = True, tags: list[str] | None = None,
                      extra: dict[str, Any] | None = None) -> Domain:
        self._check_not_default(name)
        domain = Domain(name, description, enabled, tags, extra)
        self.app.save(domain, claim_name(self.app, "domain", GLOBAL, name, domain.id))
        return domain

    @command
    def update_domain(self, ctx: RequestContext, domain_id: str,
                      changes: dict[str, Any]) -> Domain:
        domain = self.domain(domain_id)
        changes = merged_extra(domain.extra, changes)
        claims: list[NameClaim | None] = []
        new_name = changes.get("name")
        if isinstance(new_name, str) and new_name != domain.name:
            self._check_not_default(new_name)
            claims = [claim_name(self.app, "domain", GLOBAL, new_name, domain.id),
                      release_name(self.app, "domain", GLOBAL, domain.name, domain.id)]
        if changes:
            domain.update(changes)
        self.app.save(*changed(domain, *claims))
        return domain

    @command
    def delete_domain(self, ctx: RequestContext, domain_id: str,
                      contents: Iterable[str] = ()) -> None:
        """Delete a disabled domain and, in the same save, the projects, users and groups the
        caller found in it (ids from the identity read model), as Keystone cascades."""
        domain = self.domain(domain_id)
        domain.delete()
        saved: list[Any] = [domain,
                            release_name(self.app, "domain", GLOBAL, domain.name, domain.id)]
        for content_id in contents:
            saved += self._delete_content(content_id)
        self.app.save(*changed(*saved))

    def _delete_content(self, content_id: str) -> list[Any]:
        found = self.app.find(parse_id(content_id, "domain content"))
        if not isinstance(found, (Project, User, Group)) or found.deleted:
            return []
        found.delete()
        kind = {Project: "project", User: "user", Group: "group"}[type(found)]
        return [found, release_name(self.app, kind, found.domain_id, found.name, found.id)]

    def domain(self, domain_id: str) -> Domain:
        if domain_id == DEFAULT_DOMAIN_ID:
            # It has no aggregate to change; Keystone refuses deleting it as it is enabled.
            raise Forbidden("The default domain is built in: it cannot be changed or deleted.")
        return self.app.get(parse_id(domain_id, "domain"), Domain, "domain")

    @staticmethod
    def _check_not_default(name: str) -> None:
        if name.lower() == DEFAULT_DOMAIN_NAME.lower():
            raise AlreadyExists(f"Duplicate entry: a domain named '{name}' already exists.")
