"""What every response model shares.

A body model forbids keys it does not declare and is strict about types: a view that builds a
body its microversion must not have (a key from a newer one, a number where Nova shows a
string) fails in the request that builds it, not in a client. A key that is sometimes absent
(by microversion, by policy, by state) is typed `T | MISSING` with `MISSING` as default: left
out, it is left out of the JSON too, while `None` is always written as null."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import MISSING, BaseModel, ConfigDict

__all__ = ["MISSING", "Body", "Link", "OpenBody", "one_of"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_by_name=True,
                              validate_by_alias=True, serialize_by_alias=True)


class OpenBody(Body):
    """Keystone's resources: the attributes it does not know are returned beside its own."""

    model_config = ConfigDict(extra="allow")


class Link(Body):
    rel: str
    href: str


def one_of(values: Any) -> Any:
    """`Literal[...]` of the values of a domain enum or set (sorted, so the document is stable)."""
    return Literal[tuple(sorted(values, key=str))]
