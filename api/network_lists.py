"""Neutron's list query parameters, the same on every `/network/v2.0` collection: equality
filters (a key repeated means any of its values), `fields`, `sort_key`/`sort_dir`, and
`limit`/`marker`/`page_reverse` pagination with `<collection>_links`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.errors import InvalidInput

TRUE = ("true", "1", "yes", "t")


def values(params: Any, key: str) -> list[str]:
    return list(params.getlist(key)) if hasattr(params, "getlist") else (
        [params[key]] if key in params else [])


def selected(body: dict[str, Any], params: Any) -> dict[str, Any]:
    """Neutron's `fields` query parameter: only the attributes asked for."""
    fields = values(params, "fields")
    return {k: v for k, v in body.items() if k in fields} if fields else body


def _same(wanted: str, value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return (wanted.lower() in TRUE) == value
    if key.endswith("id") and value is not None:
        try:
            return UUID(str(wanted)).hex == UUID(str(value)).hex
        except ValueError:
            return str(value) == wanted
    return str(value) == wanted


def matches(body: dict[str, Any], params: Any, keys: tuple[str, ...]) -> bool:
    """Equality filters on the shown attributes (ids in any UUID spelling, booleans by word)."""
    for key in keys:
        wanted = values(params, key)
        if wanted and not any(_same(w, body.get(key), key) for w in wanted):
            return False
    return True


def _sort_value(body: dict[str, Any], key: str) -> tuple[int, str]:
    value = body.get(key)
    return (0, "") if value is None else (1, str(value))


def ordered(bodies: list[dict[str, Any]], params: Any) -> list[dict[str, Any]]:
    keys, dirs = values(params, "sort_key"), values(params, "sort_dir")
    if dirs and len(dirs) != len(keys):
        raise InvalidInput("The number of sort_keys and sort_dirs must be the same.")
    for key, direction in reversed(list(zip(keys, dirs or ["asc"] * len(keys),
                                            strict=True))):
        if direction not in ("asc", "desc"):
            raise InvalidInput(f"Invalid input for sort_dir: {direction!r}.")
        if bodies and key not in bodies[0]:
            raise InvalidInput(f"{key} is an invalid attribute for sort_keys.")
        bodies = sorted(bodies, key=lambda b: _sort_value(b, key), reverse=direction == "desc")
    return bodies


def listed(collection: str, bodies: list[dict[str, Any]], params: Any,
           filters: tuple[str, ...], url: str = "") -> dict[str, Any]:
    """The collection's answer: filtered, sorted, paged, then trimmed to `fields`."""
    kept = ordered([b for b in bodies if matches(b, params, filters)], params)
    answer: dict[str, Any] = {}
    limit_text = params.get("limit")
    if limit_text not in (None, ""):
        try:
            limit = int(limit_text)
        except ValueError:
            raise InvalidInput(f"Invalid input for limit: {limit_text!r}.") from None
        reverse = str(params.get("page_reverse", "")).lower() in TRUE
        kept = page(kept, limit, params.get("marker"), reverse)
        if limit > 0 and len(kept) == limit:
            answer[f"{collection}_links"] = [{"rel": "next", "href": f"{url}?limit={limit}"
                                              f"&marker={kept[-1]['id']}"}]
    answer[collection] = [selected(b, params) for b in kept]
    return answer


def page(bodies: list[dict[str, Any]], limit: int, marker: str | None,
         reverse: bool) -> list[dict[str, Any]]:
    if reverse:
        bodies = list(reversed(bodies))
    if marker:
        ids = [str(b.get("id")) for b in bodies]
        if marker in ids:
            bodies = bodies[ids.index(marker) + 1:]
    if limit > 0:
        bodies = bodies[:limit]
    return list(reversed(bodies)) if reverse else bodies
