"""A PostgreSQL cluster of the test's own, to stop and start while the system under test runs.

The shared server on 5432 must never be stopped, so fault tests make a throwaway cluster:
`initdb` in a temporary directory, trust authentication, a free loopback port, run as the
`postgres` user (the server refuses to run as root). `stop()` kills it the way a crash or an
operator would; `start()` brings the same data back. `remove()` stops it and deletes its files.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from ops.local_server import free_port


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"no PostgreSQL {name} under /usr/lib/postgresql")
    return found[-1]


class PrivatePostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="skyledger-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "postgres.log"
        shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U",
                          "postgres", "--no-sync", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            # Loopback only; its socket in its own directory, not the shared one in /var/run.
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                       "max_connections = 200\n")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True,
                       capture_output=True, timeout=60)

    def start(self, timeout: float = 30.0) -> None:
        self._as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                          "-t", str(int(timeout)), "start")
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash as far as clients see it: every connection is cut at once."""
        self._as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
