"""A several-host deployment as separate OS processes on one PostgreSQL schema: one
`skyledger serve` (no embedded workers), a `skyledger compute` per hypervisor host and a
`skyledger volume` for the storage host, each started the way an operator's supervisor would.

Each host process gets a data directory of its own, as a machine of its own would have; only the
image store is shared (a symlink here, an NFS mount in a deployment), because a compute host
reads the image file of the guest it spawns from `$SKYLEDGER_DATA_DIR/images`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.server_process import Server, start_server, stop_server

HYPERVISOR = "test:///default"  # libvirt's test driver: a fresh hypervisor in each process


@dataclass
class Deployment:
    tmp: Path
    database_url: str
    timing: dict[str, str]  # SKYLEDGER_REPORT_INTERVAL / SKYLEDGER_SERVICE_DOWN_TIME
    api: Server | None = None
    hosts: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_api(self, storage_host: str) -> Server:
        # New volumes are recorded on the API server's SKYLEDGER_HOST: the storage host's name.
        (self.tmp / "api").mkdir()
        self.api = start_server(self.tmp / "api", {
            "SKYLEDGER_DATABASE_URL": self.database_url, "SKYLEDGER_HOST": storage_host,
            "SKYLEDGER_EMBEDDED_COMPUTE": "0", "SKYLEDGER_EMBEDDED_VOLUME": "0", **self.timing})
        return self.api

    def start_host(self, command: str, host: str,
                   env_overrides: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """`skyledger compute` or `skyledger volume` for `host`, configured by environment
        (`env_overrides`: e.g. another SKYLEDGER_LIBVIRT_URI than the test driver's)."""
        assert self.api is not None, "start the API first: it creates the schema"
        data_dir = self.tmp / host / "var"
        data_dir.mkdir(parents=True)
        (data_dir / "images").symlink_to(self.api.data_dir / "images", target_is_directory=True)
        env = {**os.environ, "SKYLEDGER_DATA_DIR": str(data_dir),
               "SKYLEDGER_DATABASE_URL": self.database_url, "SKYLEDGER_HOST": host,
               "SKYLEDGER_LIBVIRT_URI": HYPERVISOR, **self.timing, **(env_overrides or {})}
        with self.log(host).open("wb") as log:  # the child writes to its own copy
            process = subprocess.Popen([sys.executable, "-m", "ops.cli", command],
                                       cwd=self.tmp / host, env=env, stdout=log,
                                       stderr=subprocess.STDOUT)
        self.hosts[host] = process
        return process

    def log(self, host: str) -> Path:
        return self.tmp / f"{host}.log"

    def stop_host(self, host: str) -> int:
        """SIGTERM, as a supervisor stops a service; the exit code."""
        process = self.hosts[host]
        process.send_signal(signal.SIGTERM)
        return process.wait(30)

    def logs(self) -> str:
        """Every process's output, for assertion messages."""
        return "\n".join(f"--- {name}\n{path.read_text(errors='replace')[-3000:]}"
                         for name, path in self.log_files().items() if path.exists())

    def log_files(self) -> dict[str, Path]:
        return {h: self.log(h) for h in self.hosts} | ({"api": self.api.log} if self.api else {})

    def tracebacks(self) -> list[str]:
        """The processes whose output shows a Python traceback (none should)."""
        return [name for name, path in self.log_files().items()
                if "Traceback" in path.read_text(errors="replace")]

    def close(self) -> None:
        for process in self.hosts.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.hosts.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if self.api is not None:
            stop_server(self.api)
