"""Hundreds of concurrent keypair imports against one project's quota, on PostgreSQL.

Exactly `limit` imports may win however the threads interleave: each one saves the project's
quota ledger with its keypair, so two that both saw room for the last unit cannot both commit.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from adapters import keys
from domain.context import SYSTEM, RequestContext
from domain.errors import QuotaExceeded
from ops.bootstrap import Cloud
from projections.keypairs import KeypairViews
from projections.quotas import QuotaViews
from tests.support.identity import make_member, password_token

LIMIT, ATTEMPTS, THREADS = 10, 120, 12
_, PUBLIC_KEY = keys.generate()
FINGERPRINT = keys.fingerprint(PUBLIC_KEY)


@pytest.fixture
def database_url(pg_schema_url: str) -> str:
    """PostgreSQL only: this is about concurrent writers on the production store."""
    return pg_schema_url


def race(attempt: Callable[[int], str]) -> Counter[str]:
    """Run ATTEMPTS calls from THREADS threads released together; count the outcomes."""
    start = threading.Barrier(THREADS)

    def run(i: int) -> str:
        if i < THREADS:
            start.wait()
        return attempt(i)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return Counter(pool.map(run, range(ATTEMPTS)))


def assert_exactly_limit_in_use(cloud: Cloud, project_id: str, user_id: str) -> None:
    assert cloud.quotas.ledger(project_id).used("key_pairs") == LIMIT
    cloud.sync_read_models()
    assert QuotaViews(cloud.store).usage(project_id)["key_pairs"] == LIMIT
    assert len(KeypairViews(cloud.store).list(user_id)) == LIMIT
    # And a rebuild from event zero agrees.
    runner = cloud.runners["quotas"]
    runner.reset()
    runner.catch_up()
    assert QuotaViews(cloud.store).usage(project_id)["key_pairs"] == LIMIT


def test_concurrent_imports_through_the_service(cloud: Cloud) -> None:
    project_id, user_id = "race-project", "race-user"
    cloud.quotas.set_limits(SYSTEM, project_id, {"key_pairs": LIMIT})
    ctx = RequestContext(user_id=user_id, project_id=project_id, request_id="req-race")

    def attempt(i: int) -> str:
        try:
            cloud.keypairs.import_key(ctx, user_id, project_id, f"k{i}", PUBLIC_KEY,
                                      FINGERPRINT, "ssh")
            return "created"
        except QuotaExceeded:
            return "over quota"

    outcomes = race(attempt)
    assert outcomes == Counter({"created": LIMIT, "over quota": ATTEMPTS - LIMIT})
    assert_exactly_limit_in_use(cloud, project_id, user_id)


def test_concurrent_imports_through_the_api(cloud: Cloud, client: TestClient,
                                            admin: dict[str, str]) -> None:
    member = make_member(cloud, "race-api", "racer")
    token = password_token(client, "racer", member["password"], "race-api")
    body = {"quota_set": {"key_pairs": LIMIT}}
    assert client.put(f"/compute/v2.1/os-quota-sets/{member['project_id']}", json=body,
                      headers=admin).status_code == 200

    def attempt(i: int) -> str:
        response = client.post("/compute/v2.1/os-keypairs", headers={"X-Auth-Token": token},
                               json={"keypair": {"name": f"k{i}", "public_key": PUBLIC_KEY}})
        if response.status_code == 403:
            assert response.json()["forbidden"]["message"] == "Quota exceeded, too many key pairs."
        return str(response.status_code)

    outcomes = race(attempt)
    assert outcomes == Counter({"200": LIMIT, "403": ATTEMPTS - LIMIT})
    assert_exactly_limit_in_use(cloud, member["project_id"], member["user_id"])
