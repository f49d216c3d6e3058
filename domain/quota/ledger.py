"""The project's quota ledger: limits and usage in one aggregate.

A resource is claimed by saving this ledger in the same `save()` as the resource itself, so two
concurrent requests cannot both see room for the last unit: one of the two saves conflicts.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import InvalidInput, QuotaExceeded
from domain.quota.limits import COUNTED, DEFAULT_LIMITS, UNLIMITED


def ledger_id(project_id: str) -> UUID:
    return natural_id("quota-ledger", project_id)


class QuotaLedger(Entity):
    @staticmethod
    def create_id(project_id: str) -> UUID:
        return ledger_id(project_id)

    @event("Opened")
    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self.overrides: dict[str, int] = {}
        self.usage: dict[str, int] = {}

    def limit(self, resource: str) -> int:
        return self.overrides.get(resource, DEFAULT_LIMITS[resource])

    def limits(self) -> dict[str, int]:
        return {r: self.limit(r) for r in DEFAULT_LIMITS}

    def used(self, resource: str) -> int:
        return self.usage.get(resource, 0)

    def claim(self, amounts: dict[str, int]) -> None:
        self.check_room(amounts)
        self._claimed({r: n for r, n in amounts.items() if n})

    def check_room(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            limit = self.limit(resource)
            if amount > 0 and limit != UNLIMITED and self.used(resource) + amount > limit:
                raise QuotaExceeded(resource, amount, self.used(resource), limit)

    @event("Claimed")
    def _claimed(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            self.usage[resource] = self.used(resource) + amount

    def release(self, amounts: dict[str, int]) -> None:
        # Never below zero: a release is only ever issued for a recorded claim.
        self._released({r: min(n, self.used(r)) for r, n in amounts.items() if n})

    @event("Released")
    def _released(self, amounts: dict[str, int]) -> None:
        for resource, amount in amounts.items():
            self.usage[resource] = self.used(resource) - amount

    def set_limits(self, limits: dict[str, int]) -> None:
        for resource, value in limits.items():
            if resource not in DEFAULT_LIMITS:
                raise InvalidInput(f"Invalid quota resource: {resource}")
            if not isinstance(value, int) or isinstance(value, bool) or value < UNLIMITED:
                raise InvalidInput(f"Quota limit {value!r} for {resource} must be -1 or more.")
            if resource in COUNTED and value != UNLIMITED and value < self.used(resource):
                raise InvalidInput(
                    f"Quota limit {value} for {resource} must be greater than or equal to "
                    f"already used and reserved {self.used(resource)}."
                )
        self._limits_set(dict(limits))

    @event("LimitsSet")
    def _limits_set(self, limits: dict[str, int]) -> None:
        self.overrides.update(limits)
