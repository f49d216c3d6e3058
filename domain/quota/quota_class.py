"""Quota classes (Nova's `os-quota-class-sets`): named sets of limits. The `default` class is
the default of every project that sets no limit of its own, for Nova's own resources.

Nova's network quotas (fixed_ips, floating_ips, security_groups, security_group_rules) may be
set on a class before 2.50 and are shown back, but, as in Nova with Neutron, they decide
nothing: those limits are the Network API's.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidInput
from domain.quota.limits import DEFAULT_LIMITS, UNLIMITED

DEFAULT_CLASS = "default"
MAX_LIMIT = 2**31 - 1
# What a class may hold (Nova's quota resources).
CLASS_RESOURCES = ("instances", "cores", "ram", "metadata_items", "injected_files",
                   "injected_file_content_bytes", "injected_file_path_bytes", "key_pairs",
                   "server_groups", "server_group_members", "fixed_ips", "floating_ips",
                   "security_groups", "security_group_rules")
# What the default class decides for every project (the rest are the Network API's).
ENFORCED = ("instances", "cores", "ram", "metadata_items", "injected_files",
            "injected_file_content_bytes", "injected_file_path_bytes", "key_pairs",
            "server_groups", "server_group_members")


def quota_class_id(name: str) -> UUID:
    return natural_id("quota-class", name)


class QuotaClass(Entity):
    @staticmethod
    def create_id(name: str) -> UUID:
        return quota_class_id(name)

    class Opened(Entity.Created):
        name: str

    @event(Opened)
    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, int] = {}

    def limits(self) -> dict[str, int]:
        """Every resource: the class's own value, else the code's default (Nova's config)."""
        return {r: self.values.get(r, DEFAULT_LIMITS[r]) for r in CLASS_RESOURCES}

    def set_limits(self, limits: dict[str, int]) -> None:
        for resource, value in limits.items():
            if resource not in CLASS_RESOURCES:
                raise InvalidInput(f"Invalid quota resource: {resource}")
            if isinstance(value, bool) or not isinstance(value, int) or \
                    not UNLIMITED <= value <= MAX_LIMIT:
                raise InvalidInput(f"Quota limit {value!r} for {resource} must be between -1 "
                                   f"and {MAX_LIMIT}.")
        changes = {r: v for r, v in limits.items() if self.values.get(r) != v}
        if changes:
            self._limits_set(changes)

    class LimitsSet(Entity.Event):
        limits: dict[str, int]

    @event(LimitsSet)
    def _limits_set(self, limits: dict[str, int]) -> None:
        self.values = {**self.values, **limits}


def class_defaults(quota_class: QuotaClass | None) -> dict[str, int]:
    """What the default class makes every project's default (only Nova's own resources)."""
    if quota_class is None:
        return {}
    return {r: v for r, v in quota_class.values.items() if r in ENFORCED}
