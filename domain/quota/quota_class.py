"""Quota classes (Nova's `os-quota-class-sets`): named sets of limits. The `default` class is
the default of every project that sets no limit of its own, for Nova's own resources.

Nova's network quotas (fixed_ips, floating_ips, security_groups, security_group_rules) may be
set on a class before 2.50 and are shown back, but, as in Nova with Neutron, they decide
nothing: those limits are the Network API's.

The Block Storage API's `os-quota-class-sets` sets Cinder's resources (VOLUME_RESOURCES and the
per-volume-type ones) on the same classes; the `default` class's are every project's defaults
for them too. The two APIs' resources do not overlap.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidInput
from domain.quota.limits import DEFAULT_LIMITS, UNLIMITED, VOLUME_RESOURCES, is_type_resource

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


def is_class_resource(resource: str) -> bool:
    """What a class may hold: Nova's resources, or Cinder's (its own and per volume type)."""
    return resource in CLASS_RESOURCES or resource in VOLUME_RESOURCES or \
        is_type_resource(resource)


def is_enforced(resource: str) -> bool:
    """Whether the default class's value is every project's default for `resource`."""
    return resource in ENFORCED or resource in VOLUME_RESOURCES or is_type_resource(resource)


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
            if not is_class_resource(resource):
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
    """What the default class makes every project's default (Nova's own resources, not its
    network ones, and Cinder's)."""
    if quota_class is None:
        return {}
    return {r: v for r, v in quota_class.values.items() if is_enforced(r)}
