"""Keystone's domain-specific configuration (`/domains/{id}/config`): per domain, the options
of the `identity` and `ldap` groups that Keystone lets a domain override, and the defaults
they override (Keystone's own: keystone/conf/ldap.py, whitelisted in keystone/resource/core.py).
One DomainConfig aggregate per domain, its id derived from the domain's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidInput

DEFAULTS: dict[str, dict[str, Any]] = {
    "identity": {"driver": "sql", "list_limit": None},
    "ldap": {
        "url": "ldap://localhost", "user": None, "suffix": "cn=example,cn=com",
        "query_scope": "one", "page_size": 0, "alias_dereferencing": "default",
        "debug_level": None, "chase_referrals": None, "user_tree_dn": None, "user_filter": None,
        "user_objectclass": "inetOrgPerson", "user_id_attribute": "cn",
        "user_name_attribute": "sn", "user_mail_attribute": "mail",
        "user_description_attribute": "description", "user_pass_attribute": "userPassword",
        "user_enabled_attribute": "enabled", "user_enabled_invert": False,
        "user_enabled_mask": 0, "user_enabled_default": "True",
        "user_attribute_ignore": ["default_project_id"],
        "user_default_project_id_attribute": None, "user_enabled_emulation": False,
        "user_enabled_emulation_dn": None, "user_enabled_emulation_use_group_config": False,
        "user_additional_attribute_mapping": [], "group_tree_dn": None, "group_filter": None,
        "group_objectclass": "groupOfNames", "group_id_attribute": "cn",
        "group_name_attribute": "ou", "group_members_are_ids": False,
        "group_member_attribute": "member", "group_desc_attribute": "description",
        "group_attribute_ignore": [], "group_additional_attribute_mapping": [],
        "tls_cacertfile": None, "tls_cacertdir": None, "use_tls": False,
        "tls_req_cert": "demand", "use_pool": True, "pool_size": 10, "pool_retry_max": 3,
        "pool_retry_delay": 0.1, "pool_connection_timeout": -1,
        "pool_connection_lifetime": 600, "use_auth_pool": True, "auth_pool_size": 100,
        "auth_pool_connection_lifetime": 60,
    },
}
# Options a domain may set but nobody may read back (Keystone's sensitive options).
SENSITIVE = {"ldap": ("password",)}


def config_id(domain_id: str) -> UUID:
    return natural_id("domain-config", domain_id)


def check_config(config: dict[str, Any]) -> None:
    """Keystone's rules: something given, known groups, each a non-empty set of known (or
    sensitive) options."""
    if not config:
        raise InvalidInput("Invalid domain specific configuration: no configuration given.")
    for group, options in config.items():
        if group not in DEFAULTS:
            raise InvalidInput(f"Invalid domain specific configuration: group {group} is not"
                               " supported.")
        if not isinstance(options, dict) or not options:
            raise InvalidInput(f"Invalid domain specific configuration: group {group} must"
                               " hold at least one option.")
        for option in options:
            if option not in DEFAULTS[group] and option not in SENSITIVE.get(group, ()):
                raise InvalidInput(f"Invalid domain specific configuration: option {option}"
                                   f" in group {group} is not supported.")


def merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`current` with each group's options updated by `changes` (Keystone's PATCH)."""
    return {**current, **{g: {**current.get(g, {}), **o} for g, o in changes.items()}}


class DomainConfig(Entity):
    @staticmethod
    def create_id(domain_id: str) -> UUID:
        return config_id(domain_id)

    class Created(Entity.Created):
        domain_id: str
        config: dict[str, Any]

    @event(Created)
    def __init__(self, domain_id: str, config: dict[str, Any]) -> None:
        self.domain_id = domain_id
        self.config = dict(config)
        self.deleted = False

    def replace(self, config: dict[str, Any]) -> None:
        """Set the whole configuration (a PUT over a deleted one, or any PATCH or DELETE of
        part of it: each records the resulting whole)."""
        check_config(config)
        if config != self.config or self.deleted:
            self._record_replace(config)

    class Replaced(Entity.Event):
        config: dict[str, Any]

    @event(Replaced)
    def _record_replace(self, config: dict[str, Any]) -> None:
        self.config = dict(config)
        self.deleted = False

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
