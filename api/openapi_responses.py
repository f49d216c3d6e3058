"""The OpenAPI document's success bodies of the main resources, as the API really sends them.

The routes return plain dicts (their bodies depend on the microversion and on the caller's
policy, which a response_model would filter), so FastAPI documents them as objects of any shape.
This puts each route's schema, kept per service in api/openapi_{servers,compute,volume,
network,identity}.py, into the generated document keyed by (method, path), as
api/openapi_errors.py does for the errors, after correcting the statuses of the routes that
build their own Response (api/openapi_statuses.py); a schema-driven fuzzer then checks every body
against it (tests/integration/api/test_fuzz_openapi.py)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api import (
    openapi_compute,
    openapi_identity,
    openapi_network,
    openapi_servers,
    openapi_statuses,
    openapi_volume,
)
from api.openapi_errors import post_process
from api.openapi_schema import Schema

SERVICES = (openapi_servers, openapi_compute, openapi_volume, openapi_network, openapi_identity)


def documented() -> dict[tuple[str, str], dict[str, Schema]]:
    return {key: answers for module in SERVICES for key, answers in module.RESPONSES.items()}


def annotate(doc: dict[str, Any]) -> dict[str, Any]:
    paths = doc.get("paths", {})
    openapi_statuses.apply(paths)
    for (method, path), answers in documented().items():
        operation = paths.get(path, {}).get(method)
        if operation is None:  # a renamed route must not leave its schema silently unused
            raise LookupError(f"documented response of an unknown route: {method} {path}")
        responses = operation.setdefault("responses", {})
        for status, schema in answers.items():
            described = responses.get(status, {}).get("description", "Successful Response")
            responses[status] = {"description": described,
                                 "content": {"application/json": {"schema": schema}}}
    return doc


def install(app: FastAPI) -> None:
    post_process(app, annotate)
