"""A real skyledger server under test: the `skyledger serve` console script under uvicorn, with
a data dir of its own, driven with openstacksdk through the clouds.yaml that the first start
writes, or with the `openstack` CLI. tests/e2e/conftest.py's `server` fixture starts one per
test module."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from openstack.config import OpenStackConfig
from openstack.connection import Connection

from ops.local_server import THIS_SKYLEDGER, free_port, launch

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def clouds_yaml(self) -> Path:
        return self.data_dir / "clouds.yaml"

    def connect(self, **auth_overrides: str) -> Connection:
        """As the clouds.yaml admin, or as another user given username/password/project_name
        (the overrides must reach get_one: the auth plugin is built there)."""
        config = OpenStackConfig(config_files=[str(self.clouds_yaml)])
        auth = {**config.get_one("skyledger").config["auth"], **auth_overrides}
        if "password" in auth_overrides:
            auth.pop("token", None)
        return Connection(config=config.get_one("skyledger", auth=auth))


def start_server(tmp: Path, env_overrides: dict[str, str] | None = None,
                 program: tuple[str, ...] = THIS_SKYLEDGER) -> Server:
    """`skyledger serve` (this interpreter's, or `program`) with a data dir of its own in `tmp`."""
    port = free_port()
    data_dir = tmp / "var"
    env = {**os.environ, "SKYLEDGER_DATA_DIR": str(data_dir), "SKYLEDGER_BIND": f"127.0.0.1:{port}",
           "SKYLEDGER_FAST_HASHING": "1", **(env_overrides or {})}
    if "SKYLEDGER_ADMIN_PASSWORD" not in (env_overrides or {}):
        env.pop("SKYLEDGER_ADMIN_PASSWORD", None)  # so the first start generates one
    log = tmp / "server.log"
    process, url = launch(tmp, env, log, program=program)
    return Server(url, data_dir, process, log)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def openstack(server: Server, *args: str) -> str:
    """The `openstack` CLI (this interpreter's python-openstackclient) against `server`, as an
    operator types it; its output, after checking that it succeeded."""
    cli = Path(sys.executable).with_name("openstack")
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(server.clouds_yaml)}
    result = subprocess.run([str(cli), "--os-cloud", "skyledger", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout
