"""README.md's first session, copied and pasted: the command `skyledger serve` prints at start-up,
then each line of the Quick start block marked `first session`, run by bash one after the other
against a real server with a data dir of its own, through the checkout's ops/openstack. Each must
succeed; the server the block boots is seen ACTIVE, and is gone at the end."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import openstack

from tests.support.server_process import ROOT, Server

MARKER = "<!-- first session:"


def first_session() -> list[str]:
    """The command lines of the fenced block after the marker comment in README.md."""
    text = (ROOT / "README.md").read_text()
    assert MARKER in text, "README.md lost its first-session block"
    block = re.search(r"```sh\n(.*?)```", text[text.index(MARKER):], re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def printed_first_command(server: Server) -> str:
    found = re.search(r"try it from another shell: (.+?)  \(README", server.log.read_text())
    assert found, server.log.read_text()
    return found.group(1)


def run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The first ops/openstack installs the client (pip, from its cache in CI): minutes at worst.
    return subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_readme_first_session_runs_as_written(server: Server,
                                              conn: openstack.connection.Connection) -> None:
    # A shell in a checkout whose var/ is this server's data dir: `ops` is the real one.
    shell_dir = server.data_dir.parent
    (shell_dir / "ops").symlink_to(ROOT / "ops")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OS_") and k not in ("VIRTUAL_ENV", "SKYLEDGER_DATA_DIR")}

    hint = run(printed_first_command(server), shell_dir, env)
    assert hint.returncode == 0, hint.stderr
    assert "m1.tiny" in hint.stdout

    env["SKYLEDGER_DATA_DIR"] = str(server.data_dir)
    seen: list[dict[str, str]] = []
    for command in first_session():
        result = run(command, shell_dir, env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        seen.append({s.name: s.status for s in conn.compute.servers()})
    assert any(servers and set(servers.values()) == {"ACTIVE"} for servers in seen), seen
    assert seen[-1] == {}, "the session ends by deleting its server"
