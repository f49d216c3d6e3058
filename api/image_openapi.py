"""The image routes' part of the OpenAPI document, built from Glance's own image schema (the one
`GET /image/v2/schemas/image` serves): these routes read their bodies themselves (JSON with a
Glance media type, JSON patch, streamed bytes), so FastAPI cannot see what they take or return."""

from __future__ import annotations

from typing import Any

from api.bodies.images import image_schema, images_schema


def _json_schema(glance: dict[str, Any], writable_only: bool = False) -> dict[str, Any]:
    properties = {name: {k: v for k, v in spec.items() if k != "readOnly"}
                  for name, spec in glance["properties"].items()
                  if not (writable_only and spec.get("readOnly"))}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if "additionalProperties" in glance:
        schema["additionalProperties"] = glance["additionalProperties"]
    return schema


def image() -> dict[str, Any]:
    return _json_schema(image_schema())


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def create_extra() -> dict[str, Any]:
    return {"requestBody": {"required": True, **json_content(
        _json_schema(image_schema(), writable_only=True))}}


PATCH_OP = {"type": "object", "required": ["op", "path"], "properties": {
    "op": {"type": "string", "enum": ["add", "remove", "replace"]},
    "path": {"type": "string"}, "value": {}}}


def patch_extra() -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/openstack-images-v2.1-json-patch": {
            "schema": {"type": "array", "items": PATCH_OP}}}}}


def upload_extra() -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


def one_image(status: int) -> dict[int | str, Any]:
    return {status: {"description": "The image", **json_content(image())}}


def image_list() -> dict[int | str, Any]:
    listed = _json_schema(images_schema())
    listed["properties"]["images"] = {"type": "array", "items": image()}
    listed["required"] = ["images"]
    return {200: {"description": "Images visible to the caller", **json_content(listed)}}
