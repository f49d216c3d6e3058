"""Rules shared by the identity aggregates' update commands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.errors import InvalidInput, NotFound

DEFAULT_DOMAIN_ID = "default"


def check_changes(changes: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """Only named attributes may change: `update` must never overwrite internal state."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidInput(f"Cannot update {what} attribute(s): {', '.join(unknown)}.")


def check_domain(domain_id: str) -> None:
    # skyledger has the single `default` domain; any other id is a reference to nothing.
    if domain_id != DEFAULT_DOMAIN_ID:
        raise NotFound(f"Could not find domain: {domain_id}.")
