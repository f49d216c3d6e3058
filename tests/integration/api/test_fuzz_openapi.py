"""Schemathesis over the OpenAPI document the app serves, in-process (ASGI), with an admin's and a
project member's valid tokens: no request may get a 5xx, every response's status must be one the
document declares for the operation, and its body must match the schema declared for it.
Findings are fixed and kept as plain regression tests next to the routes' own tests
(test_fuzz_findings.py).

SQLite only, on purpose: the fuzzer sends a few thousand requests and the bound is on time
(well under 90 s); every other API test runs on both stores, and the fuzz finds bugs of
validation and of the OpenAPI document, which do not depend on the store. SKYLEDGER_FUZZ_EXAMPLES
raises the examples per operation for a longer local hunt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from ops.bootstrap import build
from ops.first_start import ensure_bootstrapped
from tests.support.authz_world import build_world
from tests.support.compute_api import Compute, make_image, register_host
from tests.support.identity import make_member, password_token
from tests.support.settings import make_settings

EXAMPLES = int(os.environ.get("SKYLEDGER_FUZZ_EXAMPLES", "3"))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One cloud for the whole module, with a member's project holding one resource of each
    kind (the authorisation matrix's world), so that operations are fuzzed on real ids too."""
    base: Path = tmp_path_factory.mktemp("fuzz")
    # Glance's JSON patch is JSON under a media type of its own.
    schemathesis.serializer.alias("application/openstack-images-v2.1-json-patch",
                                  "application/json")
    cloud = build(make_settings(base / "data", f"sqlite:///{base / 'events.sqlite'}"),
                  follow=False)
    ensure_bootstrapped(cloud)
    app = create_app(cloud)
    with TestClient(app) as client:
        for host in ("host-1", "host-2"):
            register_host(cloud, host)
        member = make_member(cloud, "project-f", "fred")
        member["token"] = password_token(client, "fred", "pw-fred", "project-f")
        admin = {"X-Auth-Token": password_token(client, "admin", "admin-secret", "admin")}
        world = build_world(Compute(cloud, client, make_image(cloud)), member, admin)
        yield {"schema": schemathesis.openapi.from_asgi("/openapi.json", app),
               "tokens": [admin["X-Auth-Token"], member["token"]], "ids": world.params}
    cloud.close()


def not_a_server_error_but_a_declared_501(ctx: Any, response: Any, case: Any) -> None:
    """Nova answers 501 for what its libvirt driver cannot do (os-hosts' maintenance mode and
    power actions), and so do we: a 501 the document declares is that answer, not a failure."""
    if response.status_code == 501 and "501" in case.operation.definition.raw["responses"]:
        return
    not_a_server_error(ctx, response, case)


def fuzz(operation: Any, mode: GenerationMode, tokens: list[str],
         ids: dict[str, str] | None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=ids)

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=timedelta(seconds=5), derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def one(case: Any) -> None:
        for token in tokens:
            case.call_and_validate(headers={"X-Auth-Token": token},
                                   checks=[not_a_server_error_but_a_declared_501,
                                           response_schema_conformance,
                                           status_code_conformance])

    one()


def plans(operation: Any, known: dict[str, str]) -> list[tuple[GenerationMode, Any]]:
    """Valid data with generated ids and with the real ones; invalid data only where there is a
    body to break (an unconstrained path or query string has no invalid value to search for)."""
    names = {p.name for p in operation.path_parameters}
    ids = {name: known[name] for name in names if name in known}
    result: list[tuple[GenerationMode, Any]] = [(GenerationMode.POSITIVE, None)]
    if ids:
        result.append((GenerationMode.POSITIVE, ids))
    if operation.body:
        result.append((GenerationMode.NEGATIVE, ids or None))
    return result


def test_no_server_error_and_responses_match_the_document(fuzzed: dict[str, Any]) -> None:
    """One test over every operation (schemathesis's own pytest plugin does not run on pytest
    9.2); deletions go last so the real ids live long enough to be fuzzed; all failures are
    reported together."""
    failures = []
    operations = [result.ok() for result in fuzzed["schema"].get_all_operations()]
    assert len(operations) > 100  # the document lists the routes
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    for operation in operations:
        for mode, ids in plans(operation, fuzzed["ids"]):
            try:
                fuzz(operation, mode, fuzzed["tokens"], ids)
            except Unsatisfiable:
                continue
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported below
                failures.append(f"{operation.label} ({mode.value}, "
                                f"{'real' if ids else 'generated'} ids): {failure}")
    assert failures == [], "\n\n".join(failures)
