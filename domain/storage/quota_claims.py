"""What volumes and snapshots claim on their project's quota ledger: Cinder's totals and the
same of their volume type (its per-type quotas, domain/quota/limits.py), claimed and given back
together in one ledger event, so neither count can drift from the other.

A volume of no recorded type is of the default type (`__DEFAULT__`). Claims made before the
per-type quotas counted only the totals; giving such a claim back cannot take a type's count
below zero (the ledger releases at most what it holds).
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.quota.limits import typed
from domain.storage.volume_type import DEFAULT_TYPE_ID


def type_of(volume_type_id: str | None) -> str:
    return volume_type_id or DEFAULT_TYPE_ID.hex


def volume_claim(size: int, volume_type_id: str | None, count: int = 1) -> dict[str, int]:
    """Gigabytes first: Cinder reports the size when both it and the count are exceeded."""
    return typed({"gigabytes": size, "volumes": count}, type_of(volume_type_id))


def snapshot_claim(size: int, volume_type_id: str | None, count: int = 1) -> dict[str, int]:
    return typed({"gigabytes": size, "snapshots": count}, type_of(volume_type_id))


def growth(size: int, volume_type_id: str | None) -> dict[str, int]:
    """An extend's extra gigabytes, of the total and of the type."""
    return typed({"gigabytes": size}, type_of(volume_type_id))


def added(claims: Iterable[dict[str, int]]) -> dict[str, int]:
    """Several claims as one (a volume's snapshots handed over together)."""
    total: dict[str, int] = {}
    for claim in claims:
        for resource, amount in claim.items():
            total[resource] = total.get(resource, 0) + amount
    return total


def difference(before: dict[str, int], after: dict[str, int]) -> tuple[dict[str, int],
                                                                       dict[str, int]]:
    """What to claim and what to give back when a holding changes from `before` to `after`
    (a retype moves the type's share from one type to the other)."""
    keys = [*before, *(k for k in after if k not in before)]
    change = {k: after.get(k, 0) - before.get(k, 0) for k in keys}
    return ({k: n for k, n in change.items() if n > 0},
            {k: -n for k, n in change.items() if n < 0})
