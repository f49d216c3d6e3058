"""The OpenAPI document's error responses, as the API really sends them.

FastAPI documents a 422 with its own `HTTPValidationError` body on every route that takes input;
this API answers bad input with a 400 instead, in the error shape of the OpenStack service under
that path (api/errors.py). So every operation's 422 is dropped and a `4XX` response with that
service's error body is declared, which lets a schema-driven fuzzer (tests/.../test_fuzz_openapi.py)
check that every refusal is in the right shape.

Routes that answer a bare `Response` (Nova's 202s without a body, for one) are documented by
FastAPI as JSON of any shape (`schema: {}`); such a claim says nothing but that the body is JSON,
which is wrong for them, so it is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

FIELDS = {"code": {"type": "integer"}, "message": {"type": "string"}}
# Nova and Cinder: {"badRequest": {"code": 400, "message": ...}}, one key named after the status.
NOVA = {"type": "object", "minProperties": 1, "maxProperties": 1,
        "additionalProperties": {"type": "object", "required": ["code", "message"],
                                 "properties": FIELDS}}
NEUTRON = {"type": "object", "required": ["NeutronError"], "properties": {"NeutronError": {
    "type": "object", "required": ["type", "message", "detail"],
    "properties": {"type": {"type": "string"}, "message": {"type": "string"},
                   "detail": {"type": "string"}}}}}
# Keystone and Glance (and 401s everywhere): {"error": {"code", "title", "message"}}.
KEYSTONE = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "title", "message"],
    "properties": {**FIELDS, "title": {"type": "string"}}}}}


def error_schema(path: str) -> dict[str, Any]:
    if path.startswith(("/compute", "/volume")):
        return NOVA  # a 401 there is Keystone's shape, which this schema admits too
    if path.startswith("/network"):
        return NEUTRON
    return KEYSTONE


def annotate(doc: dict[str, Any]) -> dict[str, Any]:
    for path, operations in doc.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for response in responses.values():
                if response.get("content") == {"application/json": {"schema": {}}}:
                    del response["content"]
            responses.setdefault("4XX", {
                "description": "Refused: the OpenStack error body of this service",
                "content": {"application/json": {"schema": error_schema(path)}}})
    doc.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    doc.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    return doc


def post_process(app: FastAPI, step: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Run `step` over the document FastAPI generates (after the steps installed before it)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return step(generate())  # steps are idempotent: FastAPI caches the document it built

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    post_process(app, annotate)
