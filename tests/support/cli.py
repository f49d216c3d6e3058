"""The `skyledger` CLI under test: its SKYLEDGER_* environment for a test's store, run in-process
(`cli`, `cli_json`) or as the installed console script (`script`), and the History that the
replay, diff and query tests look back on (built by tests/integration/conftest.py's `history`:
servers booted through the API, a moment noted, then more booted, one deleted and a quota
changed; replays made on PostgreSQL are dropped afterwards by its `env`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ops.bootstrap import Cloud
from ops.cli import main
from tests.support.compute_api import Compute

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


def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    # The same data dir as the `cloud` fixture's settings, so the CLI opens the same store.
    return {"SKYLEDGER_DATA_DIR": str(tmp_path / "data"), "SKYLEDGER_DATABASE_URL": database_url,
            "SKYLEDGER_FAST_HASHING": "1"}


