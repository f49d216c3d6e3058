"""Soft delete with Nova's reclaim_instance_interval: DELETE powers the guest off and leaves the
server SOFT_DELETED with its quota held, `restore` powers it on again (ACTIVE), `forceDelete`
deletes it at once, and once the interval is over the reclaimer deletes it for real. Real
compute workers on libvirt test-driver nodes; the reclaimer is driven with a given "now".
Both event stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.compute.backends import GuestState
from domain.compute.states import VmState
from domain.process.compute.reclaimer import Reclaimer
from domain.quota.ledger import ledger_id
from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for

V21 = "/compute/v2.1/servers"
HOUR = 3600.0


@pytest.fixture
def cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    from ops.bootstrap import build
    from ops.first_start import ensure_bootstrapped
    from tests.support.settings import make_settings

    made = build(make_settings(tmp_path / "data", database_url, reclaim_instance_interval=HOUR),
                 follow=False)
    ensure_bootstrapped(made)
    yield made
    made.close()


@pytest.fixture
def fleet(cloud: Cloud, tmp_path: Path) -> Iterator[Fleet]:
    made = Fleet(cloud, tmp_path)
    made.seed()
    made.add_host("soft-host", reclaim_instance_interval=HOUR)  # its own reclaimer: not yet
    yield made
    made.close()


def guest(fleet: Fleet, server_id: UUID) -> GuestState:
    return fleet.hosts["soft-host"].guests().get(server_id, GuestState.MISSING)


def held(fleet: Fleet) -> int:
    ledger: Any = fleet.cloud.app.repository.get(ledger_id(str(USER.project_id)))
    return int(ledger.used("instances"))


def call(client: TestClient, who: dict[str, str], method: str, server_id: UUID,
         body: Any = None) -> int:
    path = f"{V21}/{server_id}" + ("/action" if body is not None else "")
    response = client.request(method, path, json=body, headers=auth(who, "2.1"))
    return int(response.status_code)


def listed(client: TestClient, who: dict[str, str], query: str) -> set[str]:
    response = client.get(f"{V21}?all_tenants=1{query}", headers=auth(who, "2.1"))
    assert response.status_code == 200, response.text
    return {server["id"] for server in response.json()["servers"]}


def soft_deleted(fleet: Fleet, client: TestClient, who: dict[str, str], server_id: UUID) -> None:
    assert call(client, who, "DELETE", server_id) == 204
    fleet.wait_until(server_id, VmState.SOFT_DELETED)
    fleet.cloud.sync_read_models()


def gone(fleet: Fleet, server_id: UUID) -> None:
    wait_for(lambda: fleet.instance(server_id).deleted, f"{server_id} to be deleted")


def test_delete_restore_and_force_delete(fleet: Fleet, client: TestClient,
                                         admin: dict[str, str]) -> None:
    server_id = fleet.running()
    soft_deleted(fleet, client, admin, server_id)
    assert guest(fleet, server_id) is GuestState.SHUTOFF and held(fleet) == 1
    shown = client.get(f"{V21}/{server_id}", headers=auth(admin, "2.1")).json()["server"]
    assert shown["status"] == "SOFT_DELETED"
    assert listed(client, admin, "") == set()  # Nova's lists leave it out ...
    assert listed(client, admin, "&soft_deleted=true") == {str(server_id)}  # ... unless asked
    assert listed(client, admin, "&status=SOFT_DELETED&soft_deleted=1") == {str(server_id)}
    assert listed(client, admin, "&status=SOFT_DELETED") == set()
    assert call(client, admin, "POST", server_id, {"restore": None}) == 202
    fleet.wait_until(server_id, VmState.ACTIVE)
    assert guest(fleet, server_id) is GuestState.RUNNING and held(fleet) == 1
    assert call(client, admin, "POST", server_id, {"restore": None}) == 409  # not deleted
    soft_deleted(fleet, client, admin, server_id)
    assert call(client, admin, "POST", server_id, {"forceDelete": None}) == 202
    gone(fleet, server_id)
    assert guest(fleet, server_id) is GuestState.MISSING and held(fleet) == 0


def test_the_reclaimer_deletes_once_the_interval_is_over(fleet: Fleet, client: TestClient,
                                                         admin: dict[str, str]) -> None:
    server_id = fleet.running()
    soft_deleted(fleet, client, admin, server_id)
    clock = Clock()
    reclaimer = Reclaimer(fleet.cloud.app, "soft-host", 60.0, clock, "compute:soft-host")
    reclaimer.follow()
    clock.now = reclaimer.waiting[server_id].since + timedelta(seconds=59)
    assert reclaimer.run_once() == [] and not fleet.instance(server_id).deleted
    elsewhere = Reclaimer(fleet.cloud.app, "other-host", 60.0, clock, "compute:other-host")
    clock.now += timedelta(seconds=2)
    assert elsewhere.run_once() == []  # not its host's server
    restarted = Reclaimer(fleet.cloud.app, "soft-host", 60.0, clock, "compute:soft-host")
    assert restarted.run_once() == [server_id]  # a fresh one reads the soft delete again
    assert reclaimer.run_once() == []  # already asked: nothing twice
    gone(fleet, server_id)
    assert guest(fleet, server_id) is GuestState.MISSING and held(fleet) == 0


def test_a_restored_server_is_not_reclaimed(fleet: Fleet, client: TestClient,
                                            admin: dict[str, str]) -> None:
    server_id = fleet.running()
    soft_deleted(fleet, client, admin, server_id)
    clock = Clock()
    reclaimer = Reclaimer(fleet.cloud.app, "soft-host", 60.0, clock, "compute:soft-host")
    reclaimer.follow()
    clock.now = reclaimer.waiting[server_id].since + timedelta(hours=1)
    assert call(client, admin, "POST", server_id, {"restore": None}) == 202
    fleet.wait_until(server_id, VmState.ACTIVE)
    assert reclaimer.run_once() == [] and guest(fleet, server_id) is GuestState.RUNNING


def test_a_paused_server_too_and_an_errored_one_at_once(fleet: Fleet, client: TestClient,
                                                        admin: dict[str, str]) -> None:
    paused = fleet.running()
    fleet.cloud.actions.act(USER, str(paused), "pause")
    fleet.wait_until(paused, VmState.PAUSED)
    fleet.cloud.sync_read_models()
    soft_deleted(fleet, client, admin, paused)
    assert guest(fleet, paused) is GuestState.SHUTOFF
    assert call(client, admin, "POST", paused, {"restore": None}) == 202
    fleet.wait_until(paused, VmState.ACTIVE)  # restored powered on, as Nova's restore
    assert guest(fleet, paused) is GuestState.RUNNING
    errored = fleet.running()
    assert call(client, admin, "POST", errored, {"os-resetState": {"state": "error"}}) == 202
    fleet.cloud.sync_read_models()
    assert call(client, admin, "DELETE", errored) == 204
    gone(fleet, errored)
    assert held(fleet) == 1  # the restored one


class Clock:
    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime.now(UTC)

    def __call__(self) -> Any:
        return self.now
