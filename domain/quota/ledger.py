"""The project's quota ledger: limits and usage in one aggregate.

A resource is claimed by saving this ledger in the same `save()` as the resource itself, so two
concurrent requests cannot both see room for the last unit: one of the two saves conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import Forbidden, InvalidInput, QuotaExceeded
from domain.quota.limits import DEFAULT_LIMITS, UNLIMITED, default_limit, is_counted, is_known

MAX_LIMIT = 2**31 - 1
# What a user of the project may be given a limit of its own for (Nova's per-user quotas):
# the resources counted per user, and the per-request metadata limit.
USER_RESOURCES = ("instances", "cores", "ram", "key_pairs", "server_groups", "metadata_items")


def ledger_id(project_id: str) -> UUID:
    return natural_id("quota-ledger", project_id)


class MetadataLimitExceeded(Forbidden):
    """Nova's MetadataLimitExceeded: a quota error (403), in its words."""

    def __init__(self, allowed: int) -> None:
        super().__init__(f"Maximum number of metadata items exceeds {allowed}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class QuotaLedger(Entity):
    # Version 2 added per-user limits and usage (Nova's project_user_quotas): a snapshot of a
    # version-1 ledger has neither (its users' claims were not told apart).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["user_overrides"] = {}
        state["user_usage"] = {}

    @staticmethod
    def create_id(project_id: str) -> UUID:
        return ledger_id(project_id)

    class Opened(Entity.Created):
        project_id: str

    @event(Opened)
    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self.overrides: dict[str, int] = {}
        self.usage: dict[str, int] = {}
        self.user_overrides: dict[str, dict[str, int]] = {}
        self.user_usage: dict[str, dict[str, int]] = {}

    def limit(self, resource: str, defaults: Mapping[str, int] | None = None) -> int:
        """The project's own limit, else `defaults` (the default quota class's), else the
        code's default."""
        if resource in self.overrides:
            return self.overrides[resource]
        return (defaults or {}).get(resource, default_limit(resource))

    def limits(self, defaults: Mapping[str, int] | None = None) -> dict[str, int]:
        return {r: self.limit(r, defaults) for r in DEFAULT_LIMITS}

    def check_metadata_items(self, count: int, defaults: Mapping[str, int] | None = None,
                             user_id: str | None = None) -> None:
        """A per-request limit, not a counted resource: a server's metadata may hold this many."""
        allowed = self.limit("metadata_items", defaults) if user_id is None else \
            self.user_limit(user_id, "metadata_items", defaults)
        if allowed != UNLIMITED and count > allowed:
            raise MetadataLimitExceeded(allowed)

    def used(self, resource: str) -> int:
        return self.usage.get(resource, 0)

    def claim(self, amounts: dict[str, int], defaults: Mapping[str, int] | None = None,
              user_id: str | None = None) -> None:
        """With `user_id`, the user's own limits are checked too and the claim is counted as
        the user's (ClaimedFor)."""
        self.check_amounts(amounts)
        self.check_room(amounts, defaults, user_id)
        nonzero = {r: n for r, n in amounts.items() if n}
        if user_id is None:
            self._claimed(nonzero)
        elif nonzero:
            self._claimed_for(user_id, nonzero)

    def record(self, amounts: dict[str, int]) -> None:
        """Count what the cloud makes on the project's behalf (its default security group)
        without refusing it: the usage is true even when the project is at its limit."""
        self.check_amounts(amounts)
        if any(amounts.values()):
            self._claimed({r: n for r, n in amounts.items() if n})

    def check_amounts(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            if not is_known(resource):
                raise InvalidInput(f"Invalid quota resource: {resource}")
            if not _is_int(amount) or amount < 0:
                raise InvalidInput(f"Quota amount {amount!r} for {resource} must be 0 or more.")

    def check_room(self, amounts: dict[str, int], defaults: Mapping[str, int] | None = None,
                   user_id: str | None = None) -> None:
        for resource, amount in amounts.items():
            limit = self.limit(resource, defaults)
            if amount > 0 and limit != UNLIMITED and self.used(resource) + amount > limit:
                raise QuotaExceeded(resource, amount, self.used(resource), limit)
        own = self.user_overrides.get(user_id, {}) if user_id is not None else {}
        for resource, amount in amounts.items():
            limit, used = own.get(resource, UNLIMITED), self.user_used(str(user_id), resource)
            if amount > 0 and limit != UNLIMITED and used + amount > limit:
                raise QuotaExceeded(resource, amount, used, limit)

    class Claimed(Entity.Event):
        amounts: dict[str, int]

    @event(Claimed)
    def _claimed(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            self.usage[resource] = self.used(resource) + amount

    def release(self, amounts: dict[str, int], user_id: str | None = None) -> None:
        """With `user_id`, the user's count goes down too (ReleasedFor)."""
        self.check_amounts(amounts)
        # Never below zero: a release is only ever issued for a recorded claim.
        released = {r: n for r, n in ((r, min(n, self.used(r))) for r, n in amounts.items()) if n}
        if released and user_id is None:
            self._released(released)
        elif released:
            self._released_for(str(user_id), released)

    class Released(Entity.Event):
        amounts: dict[str, int]

    @event(Released)
    def _released(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            self.usage[resource] = self.used(resource) - amount

    def set_limits(self, limits: dict[str, int], force: bool = False) -> None:
        """New limits, all checked before any is applied; `force` allows going below usage."""
        for resource, value in limits.items():
            self.check_limit(resource, value, force)
        if limits:
            self._limits_set(dict(limits))

    def check_limit(self, resource: str, value: int, force: bool) -> None:
        if not is_known(resource):
            raise InvalidInput(f"Invalid quota resource: {resource}")
        if not _is_int(value) or not UNLIMITED <= value <= MAX_LIMIT:
            raise InvalidInput(f"Quota limit {value!r} for {resource} must be between -1 and "
                               f"{MAX_LIMIT}.")
        if (not force and is_counted(resource) and value != UNLIMITED
                and value < self.used(resource)):
            raise InvalidInput(
                f"Quota limit {value} for {resource} must be greater than or equal to "
                f"already used and reserved {self.used(resource)}."
            )

    class LimitsSet(Entity.Event):
        limits: dict[str, int]

    @event(LimitsSet)
    def _limits_set(self, limits: dict[str, int]) -> None:
        self.overrides.update(limits)

    def reset_limits(self) -> None:
        """Back to the defaults (Nova's quota-set DELETE); usage is untouched."""
        if self.overrides:
            self._limits_reset()

    class LimitsReset(Entity.Event):
        pass

    @event(LimitsReset)
    def _limits_reset(self) -> None:
        self.overrides = {}

    # -- per-user limits and usage (Nova's project_user_quotas) ---------------------------------
    def user_used(self, user_id: str, resource: str) -> int:
        return self.user_usage.get(user_id, {}).get(resource, 0)

    def user_limit(self, user_id: str, resource: str,
                   defaults: Mapping[str, int] | None = None) -> int:
        """The user's own limit, else the project's (as Nova's get_user_quotas)."""
        own = self.user_overrides.get(user_id, {})
        return own[resource] if resource in own else self.limit(resource, defaults)

    def user_limits(self, user_id: str,
                    defaults: Mapping[str, int] | None = None) -> dict[str, int]:
        return {r: self.user_limit(user_id, r, defaults) for r in DEFAULT_LIMITS}

    class ClaimedFor(Entity.Event):
        user_id: str
        amounts: dict[str, int]

    @event(ClaimedFor)
    def _claimed_for(self, user_id: str, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            self.usage[resource] = self.used(resource) + amount
        self._count_for(user_id, amounts, 1)

    class ReleasedFor(Entity.Event):
        user_id: str
        amounts: dict[str, int]

    @event(ReleasedFor)
    def _released_for(self, user_id: str, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            self.usage[resource] = self.used(resource) - amount
        self._count_for(user_id, amounts, -1)

    def _count_for(self, user_id: str, amounts: dict[str, int], sign: int) -> None:
        """The user's share; never below zero (claims from before version 2 were nobody's)."""
        mine = dict(self.user_usage.get(user_id, {}))
        for resource, amount in amounts.items():
            if resource in USER_RESOURCES:
                mine[resource] = max(0, mine.get(resource, 0) + sign * amount)
        self.user_usage = {**self.user_usage, user_id: mine}

    def set_user_limits(self, user_id: str, limits: dict[str, int], force: bool = False,
                        defaults: Mapping[str, int] | None = None) -> None:
        """All checked before any is applied: at least the user's use, at most the project's
        limit (unless `force`), as Nova's settable quotas for a user."""
        for resource, value in limits.items():
            self.check_user_limit(user_id, resource, value, force, defaults)
        if limits:
            self._user_limits_set(user_id, dict(limits))

    def check_user_limit(self, user_id: str, resource: str, value: int, force: bool,
                         defaults: Mapping[str, int] | None) -> None:
        if resource not in USER_RESOURCES:
            raise InvalidInput(f"Quota resource {resource} has no per-user limit here; set "
                               "the project's.")
        self.check_limit(resource, value, force=True)  # the resource and the range
        if force:
            return
        used, ceiling = self.user_used(user_id, resource), self.limit(resource, defaults)
        if value != UNLIMITED and is_counted(resource) and value < used:
            raise InvalidInput(f"Quota limit {value} for {resource} must be greater than or "
                               f"equal to already used and reserved {used}.")
        if ceiling != UNLIMITED and (value == UNLIMITED or value > ceiling):
            raise InvalidInput(f"Quota limit {value} for {resource} must be less than or "
                               f"equal to {ceiling}.")

    class UserLimitsSet(Entity.Event):
        user_id: str
        limits: dict[str, int]

    @event(UserLimitsSet)
    def _user_limits_set(self, user_id: str, limits: dict[str, int]) -> None:
        self.user_overrides = {**self.user_overrides,
                               user_id: {**self.user_overrides.get(user_id, {}), **limits}}

    def reset_user_limits(self, user_id: str) -> None:
        """The user back to the project's limits (a quota-set DELETE with user_id)."""
        if self.user_overrides.get(user_id):
            self._user_limits_reset(user_id)

    class UserLimitsReset(Entity.Event):
        user_id: str

    @event(UserLimitsReset)
    def _user_limits_reset(self, user_id: str) -> None:
        self.user_overrides = {u: v for u, v in self.user_overrides.items() if u != user_id}
