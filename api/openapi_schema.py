"""Small builders of the JSON Schemas the OpenAPI document declares for response bodies
(api/openapi_compute.py and its siblings), so each reads as the body it describes.

Objects list their core keys as required and leave `additionalProperties` open: OpenStack
services add extension keys over time, and a client must ignore the ones it does not know."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
BOOL: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
STRINGS: Schema = {"type": "object", "additionalProperties": STR}  # metadata, extra specs


def nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


def enum(values: Iterable[Any], null: bool = False) -> Schema:
    listed = sorted(values, key=str)
    return {"enum": [*listed, None] if null else listed}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object whose `required` keys must all be there, typed, and whose `optional` keys are
    typed when present."""
    return {"type": "object", "required": list(required),
            "properties": {**required, **(optional or {})}}


def ints(*names: str) -> dict[str, Schema]:
    return {name: INT for name in names}


def wrap(key: str, schema: Schema) -> Schema:
    """Nova's, Cinder's, Neutron's and Keystone's envelope: `{"server": {...}}`."""
    return obj({key: schema})


def listing(key: str, item: Schema, links_key: str | None = None) -> Schema:
    optional = {links_key: array(LINK)} if links_key else None
    return obj({key: array(item)}, optional)


def loose(schema: Schema) -> Schema:
    """The same object with no key required: for bodies a query may trim (Neutron's `fields`)."""
    return {k: v for k, v in schema.items() if k != "required"}


def answers(schema: Schema, *statuses: int) -> dict[str, Schema]:
    """An operation's documented success responses, all with this body."""
    return {str(status): schema for status in statuses or (200,)}


LINK = obj({"rel": STR, "href": STR})
LINKS = array(LINK)
