"""Soft delete with Nova's reclaim_instance_interval: DELETE powers the guest off and leaves the
server SOFT_DELETED with its quota held (from any resting state of a server that ran, a resize
confirmed first), `restore` powers it on again (ACTIVE), `forceDelete`
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
from tests.integration.compute.test_worker_rescue_shelve import is_rescued
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
    wait_for(lambda: (fleet.instance(server_id).vm_state, fleet.instance(server_id).task_state)
             == (VmState.SOFT_DELETED, None), f"{server_id} to be soft-deleted")
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


def test_a_paused_server_too(fleet: Fleet, client: TestClient, admin: dict[str, str]) -> None:
    paused = fleet.running()
    fleet.cloud.actions.act(USER, str(paused), "pause")
    fleet.wait_until(paused, VmState.PAUSED)
    fleet.cloud.sync_read_models()
    soft_deleted(fleet, client, admin, paused)
    assert guest(fleet, paused) is GuestState.SHUTOFF
    assert call(client, admin, "POST", paused, {"restore": None}) == 202
    fleet.wait_until(paused, VmState.ACTIVE)  # restored powered on, as Nova's restore
    assert guest(fleet, paused) is GuestState.RUNNING


def test_an_errored_server_too_even_with_its_guest_gone(fleet: Fleet, client: TestClient,
                                                         admin: dict[str, str]) -> None:
    """Nova soft-deletes a server in any vm_state once it was launched; powering off a guest
    that is gone finds it off."""
    errored = fleet.running()
    assert call(client, admin, "POST", errored, {"os-resetState": {"state": "error"}}) == 202
    fleet.hosts["soft-host"].hypervisor.destroy(errored)  # the guest was lost
    fleet.cloud.sync_read_models()
    soft_deleted(fleet, client, admin, errored)
    assert held(fleet) == 1 and guest(fleet, errored) is GuestState.MISSING
    assert call(client, admin, "POST", errored, {"restore": None}) == 202
    fleet.wait_until(errored, VmState.ACTIVE)  # made again from the record
    assert guest(fleet, errored) is GuestState.RUNNING


def test_a_rescued_server_too_restored_from_its_own_disk(fleet: Fleet, client: TestClient,
                                                          admin: dict[str, str]) -> None:
    """Nova's restore powers the guest on by re-creating it from the instance: the rescue
    guest does not come back."""
    rescued = fleet.running()
    fleet.cloud.actions.rescue(USER, str(rescued))
    fleet.wait_until(rescued, VmState.RESCUED)
    assert is_rescued(fleet, "soft-host", rescued)
    fleet.cloud.sync_read_models()
    soft_deleted(fleet, client, admin, rescued)
    assert guest(fleet, rescued) is GuestState.SHUTOFF and held(fleet) == 1
    assert call(client, admin, "POST", rescued, {"restore": None}) == 202
    fleet.wait_until(rescued, VmState.ACTIVE)
    assert guest(fleet, rescued) is GuestState.RUNNING
    assert not is_rescued(fleet, "soft-host", rescued)


def test_a_resized_server_is_confirmed_then_soft_deleted(fleet: Fleet, client: TestClient,
                                                         admin: dict[str, str]) -> None:
    """Nova's _confirm_resize_on_deleting: the resize is confirmed (the source's copy and claim
    go, its quota is the new flavor's), then the server is soft-deleted where it now runs."""
    fleet.add_host("soft-host-2", reclaim_instance_interval=HOUR)
    server_id = fleet.running()
    source = str(fleet.instance(server_id).host)
    dest = "soft-host-2" if source == "soft-host" else "soft-host"
    fleet.cloud.actions.resize(USER, str(server_id), "big")
    assert fleet.wait_until(server_id, VmState.RESIZED).host == dest
    fleet.cloud.sync_read_models()
    soft_deleted(fleet, client, admin, server_id)
    instance = fleet.instance(server_id)
    assert (instance.host, instance.resize_from, instance.flavor["id"]) == (dest, None, "big")
    wait_for(lambda: fleet.host_of_guest(server_id) == [dest], "the source's copy to go")
    assert fleet.hosts[dest].guests()[server_id] is GuestState.SHUTOFF
    assert fleet.cloud.hosts.node(source).claims == {}
    fleet.check_ledgers()
    actions = client.get(f"{V21}/{server_id}/os-instance-actions",
                         headers=auth(admin, "2.1")).json()["instanceActions"]
    assert actions[0]["action"] == "delete"  # (USER's boot and resize share its request id)
    request_id = actions[0]["request_id"]
    steps = client.get(f"{V21}/{server_id}/os-instance-actions/{request_id}",
                       headers=auth(admin, "2.51")).json()["instanceAction"]["events"]
    assert {s["event"] for s in steps} == {"compute_confirm_resize",
                                           "compute_soft_delete_instance"}
    migrations = client.get("/compute/v2.1/os-migrations", headers=auth(admin, "2.23")).json()
    assert [m["status"] for m in migrations["migrations"]] == ["confirmed"]
    assert call(client, admin, "POST", server_id, {"restore": None}) == 202
    fleet.wait_until(server_id, VmState.ACTIVE)
    assert fleet.hosts[dest].guests()[server_id] is GuestState.RUNNING


class Clock:
    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime.now(UTC)

    def __call__(self) -> Any:
        return self.now
