"""`skyledger serve --workers 2`: two API processes on one address over one event store, with the
embedded compute worker run once by the parent. A boot answered by either process is visible to
the next request whatever process answers it, every boot reaches ACTIVE on the one host, and
keep-alive connections have Nagle's algorithm off (ops/commands/serve_workers.py). With
SKYLEDGER_LOG_FORMAT=json every worker process logs JSON lines too."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ops.commands.serve_workers import NoDelayConfig
from ops.local_server import free_port, launch
from tests.support.disk_images import tiny_qcow2
from tests.support.server_process import Server, stop_server

COMPUTE = "/compute/v2.1"


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("workers")
    env = {**os.environ, "SKYLEDGER_DATA_DIR": str(tmp / "var"), "SKYLEDGER_FAST_HASHING": "1",
           "SKYLEDGER_BIND": f"127.0.0.1:{free_port()}", "SKYLEDGER_ADMIN_PASSWORD": "w-admin",
           "SKYLEDGER_LOG_FORMAT": "json"}
    log = tmp / "server.log"
    process, url = launch(tmp, env, log, extra_args=("--workers", "2"))
    running = Server(url, tmp / "var", process, log)
    yield running
    stop_server(running)


def api_processes(parent: int) -> list[int]:
    """The uvicorn worker processes (multiprocessing spawn children) of the serve process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == parent and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


def test_two_processes_serve_one_cloud_and_the_compute_worker_runs_once(workers: Server) -> None:
    assert len(api_processes(workers.process.pid)) == 2
    conn = workers.connect()
    token = conn.session.get_auth_headers()["X-Auth-Token"]
    image = conn.image.create_image(name="w-guest", data=tiny_qcow2(), disk_format="qcow2",
                                    container_format="bare", visibility="public")
    ids = []
    for n in range(6):
        # A new connection for each request: the kernel hands each to either process.
        with httpx.Client(base_url=workers.url, headers={"X-Auth-Token": token}) as client:
            created = client.post(f"{COMPUTE}/servers", json={"server": {
                "name": f"w-{n}", "flavorRef": "1", "imageRef": str(image.id),
                "networks": "none"}}, headers={"X-OpenStack-Nova-API-Version": "2.37"})
            assert created.status_code == 202, created.text
            ids.append(created.json()["server"]["id"])
        with httpx.Client(base_url=workers.url, headers={"X-Auth-Token": token}) as client:
            assert client.get(f"{COMPUTE}/servers/{ids[-1]}").status_code == 200
    for server_id in ids:
        conn.compute.wait_for_server(conn.compute.get_server(server_id), status="ACTIVE",
                                     wait=60, interval=0.5)
    assert len(list(conn.compute.hypervisors())) == 1
    # Both API processes schedule; they beat for one scheduler and one conductor of the host.
    control = [s for s in conn.compute.services() if s.binary != "nova-compute"]
    assert sorted((s.binary, s.state) for s in control) == [("nova-conductor", "up"),
                                                            ("nova-scheduler", "up")]
    conn.close()
    # A compute worker started per process would fail on the host's lock, and say so here.
    assert "Traceback" not in workers.log.read_text(errors="replace")


def test_the_shared_listening_socket_is_tcp_so_accepted_ones_get_no_delay() -> None:
    config = NoDelayConfig("ops.commands.serve_workers:worker_app", factory=True,
                           host="127.0.0.1", port=free_port(), workers=2)
    listener = config.bind_socket()
    try:
        assert listener.proto == socket.IPPROTO_TCP
    finally:
        listener.close()


def test_every_worker_process_logs_json(workers: Server) -> None:
    """uvicorn says "Started server process [PID]" once per worker: each such line must be a
    JSON object from a worker's own logging set-up, not uvicorn's plain default. (The server
    answers once one worker is up; the other may still be starting: wait for its line.)"""

    def started() -> list[dict[str, str]]:
        lines = [line for line in workers.log.read_text(errors="replace").splitlines()
                 if "Started server process" in line]
        return [json.loads(line) for line in lines]

    expected = {f"Started server process [{pid}]" for pid in api_processes(workers.process.pid)}
    deadline = time.monotonic() + 30
    while {r["message"] for r in started()} != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    records = started()
    assert {r["logger"] for r in records} == {"uvicorn.error"}
    assert {r["message"] for r in records} == expected
