"""`trigger_crash_dump` (2.17): the request is recorded, the worker of the server's host (a real
one, on a libvirt test-driver node) injects an NMI into the guest, and the action's step in
os-instance-actions carries the outcome. Nova's 409s, 404 below 2.17, 400 for a body. Both
event stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.compute.crash_dump import CrashDumpRequest
from domain.compute.states import VmState
from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for

V21 = "/compute/v2.1/servers"
DUMP = {"trigger_crash_dump": None}


@pytest.fixture
def fleet(cloud: Cloud, tmp_path: Path) -> Any:
    made = Fleet(cloud, tmp_path)
    made.seed()
    made.add_host("dump-host")
    yield made
    made.close()


def act(client: TestClient, who: dict[str, str], server_id: object, body: Any,
        version: str = "2.17") -> Any:
    return client.post(f"{V21}/{server_id}/action", json=body, headers=auth(who, version))


def step(fleet: Fleet, client: TestClient, who: dict[str, str], server_id: UUID,
         request_id: str) -> Any:
    """The action's one step once it finished."""
    def finished() -> Any:
        fleet.cloud.sync_read_models()
        response = client.get(f"{V21}/{server_id}/os-instance-actions/{request_id}",
                              headers=auth(who, "2.84"))
        events = response.json()["instanceAction"]["events"] if response.is_success else []
        return events[0] if events and events[0]["finish_time"] else None
    return wait_for(finished, "the crash dump's step to finish")


def outcomes(cloud: Cloud) -> list[Any]:
    found = [cloud.app.mapper.to_domain_event(n)
             for n in cloud.app.recorder.select_notifications(1, 10_000)]
    return [e for e in found if isinstance(e, (CrashDumpRequest.Triggered,
                                               CrashDumpRequest.Failed))]


def test_the_host_injects_an_nmi(fleet: Fleet, client: TestClient,
                                 admin: dict[str, str]) -> None:
    server_id = fleet.running()
    response = act(client, admin, server_id, DUMP)
    assert response.status_code == 202 and not response.content
    request_id = response.headers["X-Openstack-Request-Id"]
    done = step(fleet, client, admin, server_id, request_id)
    assert (done["event"], done["result"], done["host"]) == (
        "compute_trigger_crash_dump", "Success", "dump-host")
    [triggered] = outcomes(fleet.cloud)
    assert isinstance(triggered, CrashDumpRequest.Triggered)
    assert [(e["system"], e["action"], e["target"]) for e in triggered.meta["effects"]] == [
        ("libvirt", "injectNMI", str(server_id))]
    listed = client.get(f"{V21}/{server_id}/os-instance-actions", headers=auth(admin)).json()
    assert listed["instanceActions"][0]["action"] == "trigger_crash_dump"
    assert fleet.instance(server_id).vm_state is VmState.ACTIVE  # no state changes


def test_a_guest_that_is_not_running_fails_the_step(fleet: Fleet, client: TestClient,
                                                    admin: dict[str, str]) -> None:
    server_id = fleet.running()
    fleet.hosts["dump-host"].hypervisor.stop(server_id)  # behind the cloud's back
    response = act(client, admin, server_id, DUMP)
    assert response.status_code == 202
    done = step(fleet, client, admin, server_id, response.headers["X-Openstack-Request-Id"])
    assert done["result"] == "Error" and "not running" in (done["details"] or "")


def test_nova_refusals(fleet: Fleet, client: TestClient, admin: dict[str, str],
                       member_a: dict[str, str]) -> None:
    server_id = fleet.running()
    assert act(client, admin, server_id, DUMP, "2.16").status_code == 404
    bad = act(client, admin, server_id, {"trigger_crash_dump": {"now": True}})
    assert bad.status_code == 400 and "badRequest" in bad.json()
    assert act(client, member_a, server_id, DUMP).status_code == 404  # another project's
    assert act(client, admin, "00000000-0000-0000-0000-000000000000", DUMP).status_code == 404
    fleet.cloud.actions.act(USER, str(server_id), "stop")
    fleet.wait_until(server_id, VmState.STOPPED)
    fleet.cloud.sync_read_models()
    stopped = act(client, admin, server_id, DUMP)
    assert stopped.status_code == 409
    assert "while it is in vm_state stopped" in stopped.json()["conflictingRequest"]["message"]
    assert outcomes(fleet.cloud) == [] and not [
        n for n in fleet.cloud.app.recorder.select_notifications(1, 10_000)
        if n.topic.endswith("CrashDumpRequest.Requested")]


def test_a_locked_server_is_a_conflict_for_its_member(
        cloud: Cloud, client: TestClient, member_a: dict[str, str]) -> None:
    from tests.support.compute_api import Compute, make_image, register_host

    register_host(cloud, "host-1")
    compute = Compute(cloud, client, make_image(cloud))
    server_id = compute.active(member_a)
    assert compute.action(member_a, server_id, {"lock": None}).status_code == 202
    cloud.sync_read_models()
    locked = act(client, member_a, server_id, DUMP)
    assert locked.status_code == 409 and "is locked" in locked.text
