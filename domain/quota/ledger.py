"""The project's quota ledger: limits and usage in one aggregate.

A resource is claimed by saving this ledger in the same `save()` as the resource itself, so two
concurrent requests cannot both see room for the last unit: one of the two saves conflicts.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import Forbidden, InvalidInput, QuotaExceeded
from domain.quota.limits import COUNTED, DEFAULT_LIMITS, UNLIMITED

MAX_LIMIT = 2**31 - 1


def ledger_id(project_id: str) -> UUID:
    return natural_id("quota-ledger", project_id)


class MetadataLimitExceeded(Forbidden):
    """Nova's MetadataLimitExceeded: a quota error (403), in its words."""

    def __init__(self, allowed: int) -> None:
        super().__init__(f"Maximum number of metadata items exceeds {allowed}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class QuotaLedger(Entity):
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

    def limit(self, resource: str) -> int:
        return self.overrides.get(resource, DEFAULT_LIMITS[resource])

    def limits(self) -> dict[str, int]:
        return {r: self.limit(r) for r in DEFAULT_LIMITS}

    def check_metadata_items(self, count: int) -> None:
        """A per-request limit, not a counted resource: a server's metadata may hold this many."""
        allowed = self.limit("metadata_items")
        if allowed != UNLIMITED and count > allowed:
            raise MetadataLimitExceeded(allowed)

    def used(self, resource: str) -> int:
        return self.usage.get(resource, 0)

    def claim(self, amounts: dict[str, int]) -> None:
        self.check_amounts(amounts)
        self.check_room(amounts)
        self._claimed({r: n for r, n in amounts.items() if n})

    def record(self, amounts: dict[str, int]) -> None:
        """Count what the cloud makes on the project's behalf (its default security group)
        without refusing it: the usage is true even when the project is at its limit."""
        self.check_amounts(amounts)
        if any(amounts.values()):
            self._claimed({r: n for r, n in amounts.items() if n})

    def check_amounts(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            if resource not in DEFAULT_LIMITS:
                raise InvalidInput(f"Invalid quota resource: {resource}")
            if not _is_int(amount) or amount < 0:
                raise InvalidInput(f"Quota amount {amount!r} for {resource} must be 0 or more.")

    def check_room(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            limit = self.limit(resource)
            if amount > 0 and limit != UNLIMITED and self.used(resource) + amount > limit:
                raise QuotaExceeded(resource, amount, self.used(resource), limit)

    class Claimed(Entity.Event):
        amounts: dict[str, int]

    @event(Claimed)
    def _claimed(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            self.usage[resource] = self.used(resource) + amount

    def release(self, amounts: dict[str, int]) -> None:
        self.check_amounts(amounts)
        # Never below zero: a release is only ever issued for a recorded claim.
        released = {r: min(n, self.used(r)) for r, n in amounts.items()}
        if any(released.values()):
            self._released({r: n for r, n in released.items() if n})

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
        if resource not in DEFAULT_LIMITS:
            raise InvalidInput(f"Invalid quota resource: {resource}")
        if not _is_int(value) or not UNLIMITED <= value <= MAX_LIMIT:
            raise InvalidInput(f"Quota limit {value!r} for {resource} must be between -1 and "
                               f"{MAX_LIMIT}.")
        if (not force and resource in COUNTED and value != UNLIMITED
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
