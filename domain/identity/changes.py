"""Rules shared by the identity aggregates' update commands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.errors import InvalidInput

DEFAULT_DOMAIN_ID = "default"


def check_changes(changes: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """Only named attributes may change: `update` must never overwrite internal state."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidInput(f"Cannot update {what} attribute(s): {', '.join(unknown)}.")
