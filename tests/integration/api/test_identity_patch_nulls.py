"""Every Keystone PATCH refuses null for an attribute that may not be cleared, through the API.

A null required attribute that reached an event once broke the projection reading it (500s on
every later read); the refusal is declared once, in `NullRefused`, so this walks every PATCH
body the identity API accepts, and every `KeystoneUpdate` subclass, rather than a list that a
new resource could be missing from."""

from __future__ import annotations

import typing

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.app import ROUTER_MODULES
from api.bodies.identity import KeystoneUpdate, NullRefused
from ops.bootstrap import Cloud


def subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(subclasses(c) for c in found)) if found else found


def patch_bodies() -> list[tuple[str, str, type[BaseModel]]]:
    """(path, wrapper key, model of the wrapped resource) of each identity PATCH route the app
    serves."""
    bodies = []
    for route in (r for module in ROUTER_MODULES for r in module.router.routes):
        if isinstance(route, APIRoute) and "PATCH" in route.methods \
                and route.path.startswith("/identity/v3/"):
            request: type[BaseModel] = typing.get_type_hints(route.endpoint)["body"]
            (key, field), = request.model_fields.items()
            assert isinstance(field.annotation, type)
            bodies.append((route.path, key, field.annotation))
    return bodies


def test_every_identity_patch_body_refuses_null_by_default() -> None:
    bodies = patch_bodies()
    assert len(bodies) >= 9
    models = {model for _, _, model in bodies}
    assert all(issubclass(model, NullRefused) for model in models)
    # A KeystoneUpdate that no route takes would escape the API walk below.
    assert subclasses(KeystoneUpdate) <= models


def test_null_for_a_required_attribute_is_a_400_and_changes_nothing(
        client: TestClient, admin: dict[str, str], cloud: Cloud) -> None:
    head = cloud.app.head()
    tried = 0
    for path, key, model in patch_bodies():
        url = path.replace("{", "").replace("}", "")  # any id: the body is checked first
        assert issubclass(model, NullRefused)
        for name in sorted(set(model.model_fields) - model.nullable):
            answer = client.patch(url, json={key: {name: None}}, headers=admin)
            assert answer.status_code == 400, (path, name, answer.text)
            assert f"{name}: may not be null" in answer.text, answer.text
            tried += 1
    assert tried >= 20
    assert cloud.app.head() == head


def test_a_nullable_attribute_may_still_be_cleared(client: TestClient, admin: dict[str, str],
                                                   member_a: dict[str, str]) -> None:
    created = client.post("/identity/v3/credentials", headers=admin, json={"credential": {
        "user_id": member_a["user_id"], "project_id": member_a["project_id"],
        "type": "cert", "blob": "x"}})
    assert created.status_code == 201, created.text
    url = f"/identity/v3/credentials/{created.json()['credential']['id']}"
    cleared = client.patch(url, headers=admin, json={"credential": {"project_id": None}})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["credential"]["project_id"] is None
    assert client.get(url, headers=admin).json()["credential"]["project_id"] is None
