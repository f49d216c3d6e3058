"""Commands of Keystone's domain-specific configuration (domain/identity/domain_config.py)."""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.identity.domain_config import DomainConfig, check_config, config_id, merged
from domain.services.identity.core import IdentityService


class DomainConfigService:
    def __init__(self, app: SkyLedger, identity: IdentityService) -> None:
        self.app = app
        self.identity = identity

    @command
    def create(self, ctx: RequestContext, domain_id: str,
               config: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Set the domain's configuration: (it, whether it is new). Keystone's PUT answers an
        existing one unchanged (200) rather than replacing it."""
        self.identity.check_domain(domain_id)
        check_config(config)
        found = self.app.find(config_id(domain_id))
        if isinstance(found, DomainConfig) and not found.deleted:
            return dict(found.config), False
        if isinstance(found, DomainConfig):
            found.replace(config)
            self.app.save(found)
            return dict(found.config), True
        created = DomainConfig(domain_id, config)
        self.app.save(created)
        return dict(created.config), True

    @command
    def update(self, ctx: RequestContext, domain_id: str, changes: dict[str, Any],
               group: str | None = None, option: str | None = None) -> dict[str, Any]:
        """Merge `changes` (groups of options) into the configuration; a `group` (and an
        `option`) in the path must be the only one the body names."""
        current = self.existing(domain_id)
        if (group is not None and set(changes) != {group}) or (
                option is not None and set(changes.get(group or "", {})) != {option}):
            raise InvalidInput("The configuration may only change the group and option named"
                               " in the path.")
        if group is not None and group not in current.config:
            raise NotFound(f"Could not find group {group} in the configuration of domain"
                           f" {domain_id}.")
        current.replace(merged(current.config, changes))
        self.app.save(*changed(current))
        return dict(current.config)

    @command
    def delete(self, ctx: RequestContext, domain_id: str, group: str | None = None,
               option: str | None = None) -> None:
        current = self.existing(domain_id)
        config = {g: dict(o) for g, o in current.config.items()}
        if group is not None and (group not in config or (
                option is not None and option not in config[group])):
            raise NotFound(f"Could not find {option or group} in the configuration of domain"
                           f" {domain_id}.")
        if group is not None and option is not None:
            del config[group][option]
        if group is not None and (option is None or not config[group]):
            del config[group]
        if group is None or not config:
            current.delete()
        else:
            current.replace(config)
        self.app.save(current)

    def existing(self, domain_id: str) -> DomainConfig:
        self.identity.check_domain(domain_id)
        found = self.app.find(config_id(domain_id))
        if not isinstance(found, DomainConfig) or found.deleted:
            raise NotFound(f"Could not find domain config for domain {domain_id}.")
        return found
