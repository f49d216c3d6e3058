"""Cinder's per-volume-type quota keys (`volumes_<type>`, `gigabytes_<type>`,
`snapshots_<type>`) over the ledger's resources, which are kept by the type's id
(domain/quota/limits.py). The keys are made from the types that exist at the request: a new
type's keys show at once, a deleted type's are gone (its recorded limits stay unseen).
"""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidInput
from domain.quota.ledger import QuotaLedger
from domain.quota.limits import DEFAULT_LIMITS, TYPE_PARTS, UNLIMITED, type_resource
from domain.quota.quota_class import DEFAULT_CLASS
from projections.quotas import QuotaViews
from projections.store import ReadStore
from projections.volume_types import VolumeTypeViews

# Cinder's own resources, in the order its bodies list them.
SETTABLE = ("volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "groups",
            "per_volume_gigabytes")


def type_keys(store: ReadStore) -> dict[str, str]:
    """Each shown key and the ledger's resource it stands for, for every volume type."""
    names = VolumeTypeViews(store).names()
    return {f"{part}_{name}": type_resource(part, type_id)
            for type_id, name in sorted(names.items(), key=lambda item: item[1])
            for part in TYPE_PARTS}


def resource_of(key: str, keys: dict[str, str]) -> str | None:
    """The ledger's resource a body's key names, or None for an unknown key."""
    return key if key in SETTABLE else keys.get(key)


def ledger_limits(values: dict[str, Any], keys: dict[str, str], bad: str) -> dict[str, Any]:
    """A body's values by the ledger's resources; unknown keys are Cinder's 400 (`bad` names
    the body: 'quota set' or 'quota class set')."""
    unknown = [k for k in values if resource_of(k, keys) is None]
    if unknown:
        raise InvalidInput(f"Bad key(s) in {bad}: {', '.join(unknown)}")
    return {str(resource_of(k, keys)): v for k, v in values.items()}


def project_values(views: QuotaViews, keys: dict[str, str], project_id: str,
                   usage: bool) -> dict[str, Any]:
    """A project's quota set (Cinder's get_project_quotas), with usage or limits only."""
    limits, used = views.limits_and_usage(project_id)
    typed_limits, typed_used = views.typed_limits_and_usage(project_id)
    rows = [(r, limits[r], used[r]) for r in SETTABLE] + [
        (key, typed_limits.get(r, UNLIMITED), typed_used.get(r, 0)) for key, r in keys.items()]
    if not usage:
        return {key: limit for key, limit, _ in rows}
    return {key: {"limit": limit, "in_use": in_use, "reserved": 0, "allocated": 0}
            for key, limit, in_use in rows}


def class_values(own: dict[str, int], keys: dict[str, str]) -> dict[str, int]:
    """A quota class's Cinder limits from what it sets itself (`own`), else the code's
    defaults (-1 for a type's), as Cinder's get_class_quotas."""
    return {**{r: own.get(r, DEFAULT_LIMITS[r]) for r in SETTABLE},
            **{key: own.get(r, UNLIMITED) for key, r in keys.items()}}


def default_values(views: QuotaViews, keys: dict[str, str]) -> dict[str, int]:
    """Every project's defaults: the default class's values, else the code's."""
    return class_values(views.class_values(DEFAULT_CLASS), keys)


def ledger_values(ledger: QuotaLedger, defaults: dict[str, int],
                  keys: dict[str, str]) -> dict[str, int]:
    """A project's limits as its ledger has them (the answer to an update)."""
    return {**{r: ledger.limit(r, defaults) for r in SETTABLE},
            **{key: ledger.limit(r, defaults) for key, r in keys.items()}}


def check_usage(ledger: QuotaLedger, limits: dict[str, int], keys: dict[str, str]) -> None:
    """Cinder's check (in its words) that no limit goes below what is in use; the ledger
    checks the same when it is saved."""
    names = {r: key for key, r in keys.items()}
    for resource, value in limits.items():
        used = ledger.used(resource)
        if resource != "per_volume_gigabytes" and value != UNLIMITED and value < used:
            raise InvalidInput(f"Quota {names.get(resource, resource)} limit must be equal or "
                               "greater than existing resources. Current usage is "
                               f"{used} and the requested limit is {value}.")
