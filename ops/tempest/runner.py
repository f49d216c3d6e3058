"""Run Tempest against a skyledger of its own: start the server with a fresh data dir, run the
selected tests in a Tempest workspace, keep the subunit stream and a JUnit XML, stop the server.

Tempest lives in its own virtual environment (`ops/conformance` makes it): its dependencies are
not skyledger's, and it talks to the server over HTTP only, like any other client.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ops.local_server import free_port, launch
from ops.progress import Progress

# A line of Tempest's live output for a finished test: `{0} tempest.api.x.C.test_y[...] ... ok`.
_FINISHED = re.compile(r"^\{\d+\} (?P<id>\S+).*\.\.\. (?P<status>ok|FAILED|SKIPPED)")
# Tempest boots servers concurrently with m1.nano/m1.micro; libvirt's test driver reports a
# 3 GiB host, so devstack-sized parallel boots need Nova's allocation ratios raised.
SERVER_ENV = {
    "SKYLEDGER_FAST_HASHING": "1",  # Tempest makes a user per test class
    "SKYLEDGER_RAM_ALLOCATION_RATIO": "64.0",
    "SKYLEDGER_DISK_ALLOCATION_RATIO": "64.0",
    "SKYLEDGER_CPU_ALLOCATION_RATIO": "64.0",
    # devstack's KEYSTONE_SECURITY_COMPLIANCE_ENABLED (on by default) and its three settings.
    "SKYLEDGER_LOCKOUT_FAILURE_ATTEMPTS": "2",
    "SKYLEDGER_LOCKOUT_DURATION": "10",
    "SKYLEDGER_UNIQUE_LAST_PASSWORD_COUNT": "2",
}


@dataclass
class Server:
    url: str
    password: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def skyledger(workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """A `skyledger serve` of this run's own (SQLite, libvirt test driver), stopped at the end:
    the only process this harness starts and leaves running for the duration. `extra_env`:
    more SKYLEDGER_* settings for this run."""
    data_dir = workdir / "server"
    data_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    env = {**os.environ, **SERVER_ENV, **(extra_env or {}), "SKYLEDGER_DATA_DIR": str(data_dir),
           "SKYLEDGER_BIND": f"127.0.0.1:{free_port()}", "SKYLEDGER_ADMIN_PASSWORD": password}
    env.pop("SKYLEDGER_DATABASE_URL", None)
    log = workdir / "server.log"
    process, url = launch(workdir, env, log)
    try:
        yield Server(url, password, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Tempest:
    """One Tempest workspace (etc/tempest.conf, .stestr, tempest.log) under `path`."""

    def __init__(self, venv: Path, path: Path) -> None:
        self.bin = venv / "bin"
        self.path = path

    def init(self) -> Path:
        """Creates the workspace; returns where tempest.conf goes. The workspace registry is
        kept inside the run directory, so runs leave nothing in ~/.tempest."""
        subprocess.run([str(self.bin / "tempest"), "init", "--workspace-path",
                        str(self.path.parent / "workspaces.yaml"), str(self.path)],
                       check=True, capture_output=True)
        return self.path / "etc" / "tempest.conf"

    def list_tests(self) -> list[str]:
        listed = subprocess.run([str(self.bin / "tempest"), "run", "--list-tests"],
                                cwd=self.path, check=True, capture_output=True, text=True)
        return [ln.strip() for ln in listed.stdout.splitlines()
                if ln.strip().startswith("tempest.")]

    def run(self, test_ids: list[str], concurrency: int, output: Path) -> int:
        """Runs the tests with a progress line on stderr; Tempest's own output goes to `output`.
        Returns Tempest's exit status (non-zero when any test failed)."""
        load_list = self.path / "load-list.txt"
        load_list.write_text("".join(f"{t}\n" for t in test_ids))
        command = [str(self.bin / "tempest"), "run", "--load-list", str(load_list),
                   "--concurrency", str(concurrency)]
        with output.open("w") as out, Progress(len(test_ids), "tempest", unit="tests") as bar, \
                subprocess.Popen(command, cwd=self.path, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True) as child:
            assert child.stdout is not None
            for line in child.stdout:
                out.write(line)
                if _FINISHED.match(line):
                    bar.advance()
            return child.wait()

    def export(self, subunit: Path, junit: Path) -> None:
        """The last run's subunit stream, and the same as JUnit XML."""
        with subunit.open("wb") as out:
            subprocess.run([str(self.bin / "stestr"), "last", "--subunit"], cwd=self.path,
                           stdout=out, check=True)
        # subunit2junitxml exits 1 when the stream holds a failure: the XML is still complete.
        with subunit.open("rb") as stream, junit.open("wb") as out:
            subprocess.run([str(self.bin / "subunit2junitxml")], stdin=stream, stdout=out)
        if not junit.stat().st_size:
            raise RuntimeError(f"subunit2junitxml wrote nothing for {subunit}")

    @property
    def log(self) -> Path:
        return self.path / "tempest.log"
