"""Requests whose answers are validated against the schema the OpenAPI document declares for
their route and status (tests/integration/api/test_openapi_*.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient

from tests.support.compute_api import auth


@dataclass
class Checked:
    """Sends requests and validates each answer against the schema the document declares for
    its route and status; counts what it checked, so a test can tell it checked something."""

    client: TestClient
    paths: dict[str, Any] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        document = self.client.get("/openapi.json").json()
        self.paths, self.components = document["paths"], document["components"]

    def modelled(self, service: str) -> set[tuple[str, str]]:
        """The operations of a service (by tag) whose success bodies come from a model."""
        return {(method, path) for path, operations in self.paths.items()
                for method, operation in operations.items()
                if any(tag.startswith(service) for tag in operation.get("tags", []))
                and documented(operation)}

    def schema(self, method: str, template: str, status: int) -> Any:
        answer = self.paths[template][method]["responses"][str(status)]
        # The models' schemas refer to each other under the document's components.
        return {**answer["content"]["application/json"]["schema"], "components": self.components}

    def call(self, method: str, template: str, who: dict[str, str], version: str | None = None,
             json: Any = None, params: dict[str, str] | None = None, **ids: str) -> Any:
        response = self.client.request(method, template.format(**ids), json=json,
                                       headers=auth(who, version), params=params)
        assert 200 <= response.status_code < 300, (method, template, response.text)
        body = response.json()
        errors = [error.message for error in jsonschema_rs.validator_for(
            self.schema(method, template, response.status_code)).iter_errors(body)]
        assert errors == [], (method, template, version, errors, body)
        self.seen.add((method, template))
        return body


def documented(operation: dict[str, Any]) -> list[str]:
    """The success statuses of an operation whose body schema is a model's."""
    return [status for status, answer in operation["responses"].items()
            if status[0] in "23" and "$ref" in json.dumps(answer.get("content", {}))]

