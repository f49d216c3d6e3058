"""A write while someone holds a lock on the event table fails fast with 503 (it used to wait
for as long as the lock was held: PostgreSQL's default lock_timeout is none), reads go on, and
the same write succeeds once the lock is gone (adapters/pg_limits.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from adapters.persistence import Database
from adapters.pg_limits import LOCK_TIMEOUT, STORE_ATTEMPTS
from api.app import create_app
from ops.bootstrap import build
from ops.first_start import ensure_bootstrapped
from tests.support.identity import password_token
from tests.support.settings import make_settings

pytestmark = pytest.mark.postgres

COMPUTE = "/compute/v2.1"


@pytest.fixture
def client(pg_schema_url: str, tmp_path: Path) -> Iterator[TestClient]:
    cloud = build(make_settings(tmp_path / "data", pg_schema_url), follow=False)
    ensure_bootstrapped(cloud)
    with TestClient(create_app(cloud)) as test_client:
        yield test_client
    cloud.close()


def test_a_write_against_a_locked_event_table_is_a_quick_503(client: TestClient,
                                                             pg_schema_url: str) -> None:
    headers = {"X-Auth-Token": password_token(client, "admin", "admin-secret", "admin")}
    database = Database(pg_schema_url)
    table = f'"{database.pg_parts()["schema"]}".skyledger_events'
    with psycopg.connect(database.conninfo()) as holder:
        holder.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # as every save takes it
        started = time.monotonic()
        refused = client.post(f"{COMPUTE}/os-keypairs", json={"keypair": {"name": "locked"}},
                              headers=headers)
        waited = time.monotonic() - started
        assert refused.status_code == 503, refused.text
        assert refused.json()["serviceUnavailable"]["code"] == 503
        assert refused.headers["Retry-After"]
        assert waited < STORE_ATTEMPTS * (LOCK_TIMEOUT + 1), waited
        # Reads do not need the lock.
        assert client.get(f"{COMPUTE}/flavors", headers=headers).status_code == 200
        holder.rollback()
    created = client.post(f"{COMPUTE}/os-keypairs", json={"keypair": {"name": "locked"}},
                          headers=headers)
    assert created.status_code in (200, 201), created.text
    assert client.get(f"{COMPUTE}/os-keypairs/locked", headers=headers).status_code == 200
