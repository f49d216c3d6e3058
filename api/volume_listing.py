"""Paging and sorting of volume lists as Cinder does them: `sort=key[:dir],...` (or the older
`sort_key`/`sort_dir`), then `created_at` and `id` in the first key's direction as tie-breakers;
`marker` is the last volume of the previous page in that order, `limit` the page's size.

A project's volumes are few enough to order in memory after the read model's filters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from domain.errors import InvalidInput, NotFound
from projections.store import Row

# Cinder's sort keys (its `name` is the volume's display name) and what each sorts by.
SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    "id": lambda r: str(UUID(r["id"])), "name": lambda r: r["name"],
    "display_name": lambda r: r["name"], "created_at": lambda r: (r["created_at"], r["seq"]),
    "updated_at": lambda r: r["updated_at"], "size": lambda r: r["size"],
    "status": lambda r: r["status"], "bootable": lambda r: r["bootable"],
    "availability_zone": lambda r: r["availability_zone"], "user_id": lambda r: r["user_id"],
    "project_id": lambda r: r["project_id"]}
# A snapshot's: Cinder's snapshot sort keys (its `display_name` is the name).
SNAPSHOT_SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    k: SORT_KEYS[k] for k in ("id", "name", "display_name", "created_at", "updated_at", "size",
                              "status", "project_id")}
SNAPSHOT_SORT_KEYS["volume_id"] = lambda r: r["volume_id"]
DIRECTIONS = ("asc", "desc")


def sort_order(params: Mapping[str, str],
               keys: Mapping[str, Callable[[Row], Any]] = SORT_KEYS) -> list[tuple[str, str]]:
    """[(key, direction)] with Cinder's defaults and tie-breakers."""
    if "sort" in params and ("sort_key" in params or "sort_dir" in params):
        raise InvalidInput("Invalid input received: The 'sort_key' and 'sort_dir' parameters "
                           "are deprecated and cannot be used with the 'sort' parameter.")
    order: list[tuple[str, str]] = []
    if "sort" in params:
        for part in params["sort"].split(","):
            key, _, direction = part.strip().partition(":")
            order.append((key.strip(), direction.strip().lower() or "desc"))
    elif "sort_key" in params or "sort_dir" in params:
        order.append((params.get("sort_key", "created_at"),
                      params.get("sort_dir", "desc").lower()))
    for key, direction in order:
        if key not in keys:
            raise InvalidInput(f"Invalid input received: Invalid sort key {key}")
        if direction not in DIRECTIONS:
            raise InvalidInput(f"Invalid input received: Unknown sort direction, must be "
                               f"'desc' or 'asc' (not {direction})")
    default = order[0][1] if order else "desc"
    named = {k for k, _ in order}
    order += [(k, default) for k in ("created_at", "id") if k not in named]
    return order


def _sortable(pick: Callable[[Row], Any]) -> Callable[[Row], tuple[bool, Any]]:
    # None first when ascending, as Cinder's databases order it.
    return lambda row: (pick(row) is not None, pick(row))


def ordered(rows: list[Row], order: list[tuple[str, str]],
            keys: Mapping[str, Callable[[Row], Any]] = SORT_KEYS) -> list[Row]:
    result = list(rows)
    for key, direction in reversed(order):  # stable sorts, the least significant key first
        result.sort(key=_sortable(keys[key]), reverse=direction == "desc")
    return result


def page_limit(value: str | None) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"-?[0-9]+", value):
        raise InvalidInput("Invalid input received: limit param must be an integer")
    if int(value) < 0:
        raise InvalidInput("Invalid input received: limit param must be positive")
    return min(int(value), 1000)


def page_offset(value: str | None) -> int:
    if value is None:
        return 0
    if not re.fullmatch(r"-?[0-9]+", value) or int(value) < 0:
        raise InvalidInput("Invalid input received: offset param must be a non-negative "
                           "integer")
    return int(value)


def paged(rows: list[Row], marker: str | None, limit: int | None) -> list[Row]:
    if marker is not None:
        ids = [r["id"] for r in rows]
        if marker not in ids:
            raise InvalidInput(f"Invalid input received: marker [{marker}] not found")
        rows = rows[ids.index(marker) + 1:]
    return rows[:limit] if limit is not None else rows


def page_of(rows: list[Row], params: Mapping[str, str],
            key: Callable[[str], str]) -> list[Row]:
    """The page of a snapshot or backup list: after `marker` (turned into a row id by `key`;
    one that names no listed row is Cinder's 404 for these two), then `offset`, then `limit`."""
    limit, offset = page_limit(params.get("limit")), page_offset(params.get("offset"))
    if "marker" in params:
        ids = [r["id"] for r in rows]
        try:
            marker = key(params["marker"])
        except NotFound:
            marker = ""
        if marker not in ids:
            raise NotFound(f"Marker {params['marker']} could not be found.")
        rows = rows[ids.index(marker) + 1:]
    rows = rows[offset:]
    return rows[:limit] if limit is not None else rows


# oslo's strutils.is_valid_boolstr, which Cinder's get_bool_param asks of a flag's value.
TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")


def bool_param(name: str, value: str) -> bool:
    """A boolean query parameter, strictly (Cinder's 400 for anything else)."""
    if value.lower() not in TRUE_STRINGS + FALSE_STRINGS:
        raise InvalidInput(f"Value '{value}' for '{name}' is not a boolean.")
    return value.lower() in TRUE_STRINGS
