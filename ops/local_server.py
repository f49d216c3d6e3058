"""Start `skyledger serve` as a child process on a free loopback port and wait until it answers
(for end-to-end tests and benchmarks that need the real server)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

# The `skyledger` command of this interpreter's environment.
THIS_SKYLEDGER = (sys.executable, "-m", "ops.cli")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# How long a start may take before it counts as failed. A safety net, not a speed target: the wait
# ends as soon as the server answers, and a machine busy with other work (a CI run beside other
# jobs) was seen to need more than 30 s to start one.
START_TIMEOUT_S = 180.0


def launch(workdir: Path, env: dict[str, str], log: Path, timeout: float = START_TIMEOUT_S,
           extra_args: tuple[str, ...] = (),
           program: tuple[str, ...] = THIS_SKYLEDGER,
           ) -> tuple[subprocess.Popen[bytes], str]:
    """The running process and its URL, once GET /identity/v3 answers. `env` must set
    SKYLEDGER_BIND to a free 127.0.0.1 port (see free_port). `program` is the `skyledger`
    command to start (by default this interpreter's)."""
    # A session of its own: a server that never answers is killed with everything it started
    # (`serve --workers` forks API processes that would outlive their parent).
    process = subprocess.Popen([*program, "serve", *extra_args],
                               cwd=workdir, env=env, stdout=log.open("wb"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{env['SKYLEDGER_BIND']}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/identity/v3", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    raise RuntimeError(f"server did not answer in {timeout:g} s: {log.read_text()}")
