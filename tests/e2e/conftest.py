"""A real skyledger server (the `skyledger serve` console script under uvicorn) per test module,
driven with openstacksdk through the clouds.yaml that the first start writes
(tests/support/server_process.py), and the real-guest modules' clean-up of their domains."""

from __future__ import annotations

from collections.abc import Iterator

import openstack
import pytest

from tests.support.real_guest import Leftovers
from tests.support.server_process import Server, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def conn(server: Server) -> Iterator[openstack.connection.Connection]:
    connection = server.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def leftovers() -> Iterator[Leftovers]:
    """The domains a real-guest module made, removed at its end. Set up before that module's
    server, so torn down after it has stopped (and its worker with it)."""
    made = Leftovers()
    yield made
    made.clean()
