"""Nova's 2.75 query strictness: from that microversion, its query schemas for these routes set
`additionalProperties` False, so a parameter the route does not know is 400 instead of being
ignored. A route names what it knows: `dependencies=[known_query("limit", "marker")]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Depends, Request

from api.microversions import ComputeVersion
from domain.errors import InvalidInput

STRICT_SINCE = "2.75"


def check_known(names: Iterable[str], known: frozenset[str]) -> None:
    """jsonschema's additionalProperties message, as Nova shows it for a query."""
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        verb = "was" if len(unknown) == 1 else "were"
        raise InvalidInput(f"Additional properties are not allowed ({listed} {verb} unexpected)")


def known_query(*names: str) -> Any:
    """A route dependency: from 2.75 only `names` may be in the query string."""
    known = frozenset(names)

    def strict(request: Request, version: ComputeVersion) -> None:
        if version >= STRICT_SINCE:
            check_known(request.query_params.keys(), known)

    checker: Callable[..., None] = strict
    return Depends(checker)
