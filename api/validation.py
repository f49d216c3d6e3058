"""Reusable request-field types, so every router validates names and numbers the same way."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

# Printable, no control characters, no leading or trailing blanks (Nova's name rule).
NAME_PATTERN = r"^[^\x00-\x1f\s](?:[^\x00-\x1f]*[^\x00-\x1f\s])?$"
MAX_INT = 2**31 - 1


def _strict_int(value: Any) -> Any:
    """Reject booleans and fractional numbers that pydantic would otherwise coerce."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("must be an integer")
    return value


Name = Annotated[str, Field(min_length=1, max_length=255, pattern=NAME_PATTERN)]
Description = Annotated[str, Field(max_length=65535)]
Count = Annotated[int, BeforeValidator(_strict_int), Field(ge=0, le=MAX_INT)]
PositiveCount = Annotated[int, BeforeValidator(_strict_int), Field(ge=1, le=MAX_INT)]
QuotaLimit = Annotated[int, BeforeValidator(_strict_int), Field(ge=-1, le=MAX_INT)]
