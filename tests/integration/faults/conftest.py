"""Fixtures of the fault tests: a PostgreSQL cluster of their own to stop and start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.faults.private_pg import PrivatePostgres


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
