"""README's first command on a machine that has only what skyledger declares: `ops/install` (as
`ops/run` runs it, no test extras) in a copy of the checkout builds a runtime-only .venv; every
module of the installed packages imports there, and its `skyledger serve` boots a server to ACTIVE
through the REST API. A runtime import missing from pyproject.toml's `dependencies` fails here,
even one made inside a function, although the test extras bring it into the suite's own .venv."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openstack
import pytest

from tests.support.server_process import ROOT, Server, start_server, stop_server

PACKAGES = ("domain", "projections", "adapters", "api", "ops", "bench")  # pyproject.toml's find
TEST_ONLY = ("openstack", "pytest", "schemathesis")  # in the test extras only


def copy_checkout(destination: Path) -> None:
    """The checkout's tracked files (as they are in the work tree), so that a build there leaves
    nothing in the checkout and finds no .venv, var/ or caches of it."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the work tree is not copied
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout with its runtime-only .venv, made by `ops/install` as `ops/run`
    calls it (pip's wheel cache is shared with the machine)."""
    copy = tmp_path_factory.mktemp("checkout")
    copy_checkout(copy)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(["ops/install"], cwd=copy, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr
    return copy


@pytest.fixture(scope="module")
def runtime_server(checkout: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("server"),
                           program=(str(checkout / ".venv" / "bin" / "skyledger"),))
    yield running
    stop_server(running)


def test_every_module_imports_in_the_runtime_only_venv(checkout: Path, tmp_path: Path) -> None:
    python = str(checkout / ".venv" / "bin" / "python")
    # -I: no PYTHONPATH, no user site, not the current directory; only the venv's site-packages.
    result = subprocess.run([python, "-I", str(Path(__file__).with_name("import_everything.py")),
                             *PACKAGES], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok", (
        f"what fails to import on the runtime dependencies alone:\n{result.stdout}")
    present = [name for name in TEST_ONLY if subprocess.run(
        [python, "-I", "-c", f"import {name}"], capture_output=True).returncode == 0]
    assert present == [], "the venv must hold no test extras, or this test proves nothing"


def test_runtime_only_serve_boots_a_server_to_active(runtime_server: Server) -> None:
    conn: openstack.connection.Connection = runtime_server.connect()
    try:
        image = conn.image.create_image(name="runtime-only", data=b"tiny guest image",
                                        disk_format="raw", container_format="bare")
        server = conn.compute.create_server(name="runtime-only", image_id=image.id,
                                            flavor_id="1", networks="none")
        active = conn.compute.wait_for_server(server, status="ACTIVE", wait=120, interval=0.5)
        assert conn.compute.get_server(active.id).status == "ACTIVE"
    finally:
        conn.close()
