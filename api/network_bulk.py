"""Neutron's create bodies: one resource (`{"port": {...}}`) or a bulk (`{"ports": [...]}`).

A bulk create is all or nothing, as Neutron's: when one item is refused, the ones already made
are deleted again (each create is its own atomic command; the undo is recorded too) and the
refusal is the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from api.deps import CloudServices
from api.errors import describe_validation
from domain.errors import InvalidInput

Body = dict[str, Any]


def parse_body(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(describe_validation(error)) from None


def items(body: Body, one: str, many: str) -> list[Any]:
    """The resources of a create: `{one: {...}}` or `{many: [{...}, ...]}`."""
    if not isinstance(body, dict) or len(body) != 1 or not (one in body or many in body):
        raise InvalidInput(f"Resource body required: '{one}' or '{many}'.")
    if one in body:
        return [body[one]]
    if not isinstance(body[many], list) or not body[many]:
        raise InvalidInput(f"'{many}' must be a non-empty list.")
    return list(body[many])


def create_all(cloud: CloudServices, body: Body, one: str, many: str,
               create: Callable[[Any], Body], undo: Callable[[Body], None]) -> Body:
    made: list[Body] = []
    try:
        for data in items(body, one, many):
            made.append(create(data))
    except Exception:
        for done in reversed(made):
            undo(done)
        cloud.catch_up_for_reads()  # the caller's next GET must not see the undone ones
        raise
    return {one: made[0]} if one in body else {many: made}
