"""PostgreSQL restarted under load: the API answers 503 (never 500, never a hang) while the
database is down, recovers by itself within seconds of its return, and every create it
acknowledged has its events in the store.

`skyledger serve` runs as its own process (embedded compute worker on libvirt's test driver)
over a private cluster (private_pg.py); a few client threads keep creating servers, keypairs and
flavors and listing servers while the cluster is stopped (`-m immediate`: every connection cut,
as in a crash), left down, and started again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from adapters.persistence import Database
from domain.app import SkyLedger
from tests.integration.faults.load import COMPUTE, Answer, Load
from tests.integration.faults.private_pg import PrivatePostgres
from tests.support.disk_images import tiny_qcow2
from tests.support.server_process import Server, start_server, stop_server
from tests.support.waiting import wait_for

pytestmark = pytest.mark.postgres

OUTAGE_S = 10.0  # at least; and until every client has had a 503 inside it
RECOVERY_LIMIT_S = 6.0  # from the cluster's return to every request succeeding again
SLOWEST_ANSWER_S = 8.0  # one database call gives up after ~2 s; a request makes a few
WAIT_S = 120.0  # a safety net for the waits on the load's answers, never a deadline


@pytest.fixture(scope="module")
def server(private_pg: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    # The test driver's host has 3 GiB: overcommit so that every server the load asks for fits.
    running = start_server(tmp_path_factory.mktemp("pg-restart"),
                           {"SKYLEDGER_DATABASE_URL": private_pg.url,
                            "SKYLEDGER_RAM_ALLOCATION_RATIO": "100"})
    yield running
    stop_server(running)


def prepare(server: Server) -> tuple[str, str, str]:
    conn = server.connect()
    image = conn.image.create_image(name="restart-guest", data=tiny_qcow2(), disk_format="qcow2",
                                    container_format="bare", visibility="public")
    token = conn.session.get_auth_headers()["X-Auth-Token"]
    # The load creates more servers than Nova's default quota of 10.
    unlimited = {"quota_set": {"instances": -1, "cores": -1, "ram": -1}}
    response = httpx.put(f"{server.url}{COMPUTE}/os-quota-sets/{conn.current_project_id}",
                         json=unlimited, headers={"X-Auth-Token": token}, timeout=10)
    assert response.status_code == 200, response.text
    flavor = conn.compute.create_flavor(name="load-tiny", ram=64, vcpus=1, disk=0)
    conn.close()
    return token, str(image.id), str(flavor.id)


def unexpected(answers: list[Answer]) -> list[Answer]:
    """Anything but a success or a well-formed 503 (Nova's shape, with Retry-After)."""
    return [a for a in answers
            if not (a.status is not None and 200 <= a.status < 300)
            and not (a.status == 503 and isinstance(a.body, dict)
                     and "serviceUnavailable" in a.body and a.retry_after)]


def wait_active(client: httpx.Client, server_ids: list[str], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(server_ids)
    while pending and time.monotonic() < deadline:
        for server_id in list(pending):
            shown = client.get(f"{COMPUTE}/servers/{server_id}")
            assert shown.status_code == 200, shown.text
            body = shown.json()["server"]
            assert body["status"] != "ERROR", (server_id, body.get("fault"))
            if body["status"] == "ACTIVE":
                pending.discard(server_id)
        time.sleep(0.25)
    assert not pending, f"never ACTIVE: {sorted(pending)}"


def test_a_database_restart_gives_503s_then_recovers_and_loses_no_acknowledged_write(
        server: Server, private_pg: PrivatePostgres) -> None:
    token, image_id, flavor_id = prepare(server)
    load = Load(server.url, token, image_id, flavor_id)
    load.start()
    # Each phase ends on answers the load got, not on a guess of how many a sleep gives: a
    # busy machine answers fewer per second, and then an outage could pass unnoticed.
    try:
        wait_for(lambda: {"create_server", "create_keypair", "create_flavor", "list_servers"}
                 <= {a.op for a in load.answers if a.status is not None and a.status < 300},
                 "every kind of request to succeed before the outage", WAIT_S)
        private_pg.stop("immediate")  # returns once the server is gone (pg_ctl -w)
        # The outage starts when stop returns, not when it is asked for: a request made while
        # pg_ctl was still shutting the server down may rightly succeed.
        down_at = time.monotonic()
        wait_for(lambda: len([a for a in load.since(down_at) if a.status == 503])
                 >= load.threads, "requests to be refused with 503 during the outage", WAIT_S)
        time.sleep(max(0.0, down_at + OUTAGE_S - time.monotonic()))  # down for OUTAGE_S at least
        private_pg.start()
        up_at = time.monotonic()
        # Answers to requests made after the recovery limit: each must be a success.
        wait_for(lambda: len(load.since(up_at + RECOVERY_LIMIT_S)) >= 2 * load.threads,
                 "requests made after the recovery limit", WAIT_S)
    finally:
        load.stop()
    answers = list(load.answers)

    assert not unexpected(answers), unexpected(answers)[:5]
    # Whatever was asked and answered while the database was down failed, and said so.
    during = [a for a in answers if down_at <= a.started and a.started + a.seconds <= up_at]
    assert during and all(a.status == 503 for a in during), "the outage was not noticed"
    slow = [(a.op, a.status, round(a.started - down_at, 2), round(a.seconds, 2))
            for a in answers if a.seconds >= SLOWEST_ANSWER_S]
    assert not slow, f"(op, status, started after the stop, seconds): {slow}"
    recovered = [a for a in load.since(up_at) if a.status is not None and a.status < 300]
    assert recovered, "no request succeeded after the database came back"
    first_success = min(a.started + a.seconds for a in recovered) - up_at
    late = load.since(up_at + RECOVERY_LIMIT_S)
    assert late and all(a.status is not None and a.status < 300 for a in late), \
        [a for a in late if a.status is None or a.status >= 300][:5]
    print(f"\nrecovery: first success {first_success:.2f} s after PostgreSQL was back;"
          f" {len([a for a in answers if a.status == 503])} 503s of {len(answers)} answers;"
          f" slowest answer {max(a.seconds for a in answers):.2f} s")

    acknowledged_every_create_and_the_worker_resumed(server, private_pg, token, answers)


def acknowledged_every_create_and_the_worker_resumed(
        server: Server, private_pg: PrivatePostgres, token: str, answers: list[Answer]) -> None:
    created = {op: [a.created for a in answers if a.op == op and a.created]
               for op in ("create_server", "create_keypair", "create_flavor")}
    assert all(created.values()), created
    app = SkyLedger(env=Database(private_pg.url).event_store_env())
    try:
        for server_id in created["create_server"]:
            assert app.find(uuid.UUID(server_id)) is not None, f"server {server_id} has no events"
    finally:
        app.close()
    headers = {"X-Auth-Token": token, "X-OpenStack-Nova-API-Version": "2.37"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        for name in created["create_keypair"]:
            assert client.get(f"{COMPUTE}/os-keypairs/{name}").status_code == 200, name
        for flavor_id in created["create_flavor"]:
            assert client.get(f"{COMPUTE}/flavors/{flavor_id}").status_code == 200, flavor_id
        # The embedded compute worker outlived the outage: what was acknowledged before and
        # after it gets spawned.
        wait_active(client, created["create_server"])

