"""A history for the replay, diff and query tests (no tests here): servers booted through the
API, a moment noted, then more booted, one deleted and a quota changed. The CLI runs against
the same store through SKYLEDGER_* variables; replays made on PostgreSQL (schemas beside the
test's own) are dropped afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.persistence import Database
from ops.bootstrap import Cloud
from ops.cli import main
from projections.scratch import ScratchSpace, scratch_labels
from tests.integration.api.test_compute_support import (
    Compute,
    auth,
    compute,  # noqa: F401 - fixture
)
from tests.integration.test_cli_projections import cli_env

SERVERS = "/compute/v2.1/servers"


@dataclass
class History:
    compute: Compute
    member: dict[str, str]
    at: datetime  # the moment noted: after `earlier` booted, before the changes
    position: int  # the log's head at that moment
    earlier: list[str]  # servers (dashed ids) at the moment
    later: list[str]  # servers (live) after the changes
    deleted: str  # the server deleted after the moment
    booted: list[str]  # the servers booted after the moment

    @property
    def cloud(self) -> Cloud:
        return self.compute.cloud


def hexed(server_id: str) -> str:
    return server_id.replace("-", "")


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[dict[str, str]]:
    values = cli_env(database_url, tmp_path)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    yield values
    database = Database(database_url)
    if database.is_postgres:  # SQLite's scratch files go with tmp_path
        for label in scratch_labels(database, "replay"):
            ScratchSpace(database, label).drop()


@pytest.fixture
def history(compute: Compute, member_a: dict[str, str], admin: dict[str, str],  # noqa: F811
            env: dict[str, str]) -> History:
    first, second = compute.active(member_a, name="web-1"), compute.active(member_a, name="web-2")
    compute.cloud.sync_read_models()
    at, position = datetime.now(UTC), compute.cloud.app.head()
    third, fourth = compute.active(member_a, name="web-3"), compute.active(member_a, name="web-4")
    response = compute.client.delete(f"{SERVERS}/{first}", headers=auth(member_a))
    assert response.status_code == 204, response.text
    compute.deleted(first)
    quota = compute.client.put(f"/compute/v2.1/os-quota-sets/{member_a['project_id']}",
                               json={"quota_set": {"instances": 7, "cores": 9}}, headers=admin)
    assert quota.status_code == 200, quota.text
    compute.cloud.sync_read_models()
    return History(compute, member_a, at, position, [first, second], [second, third, fourth],
                   first, [third, fourth])


def cli(*argv: str) -> int:
    return main(list(argv))


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def script(env: dict[str, str], *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The installed console script, as an operator runs it."""
    command = [str(Path(sys.executable).parent / "skyledger"), *argv]
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, check=False)
    assert not check or done.returncode == 0, (argv, done.returncode, done.stderr)
    return done
