"""An in-use extend in os-instance-actions, as Tempest's VolumesExtendAttachedTest waits for it:
the volume-extended external event is the server's `extend_volume` action, and the outcome its
host's compute worker (a real one, on a libvirt test-driver node) records finishes the action's
`compute_extend_volume` step, Success or Error with why. Both event stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.integration.compute.test_worker_volumes import (
    STORAGE,
    ready_volume,
    request,
    wait_status,
)
from tests.support.compute_api import auth
from tests.support.fleet import Fleet
from tests.support.waiting import wait_for

V21 = "/compute/v2.1/servers"
HOST = "extend-host"


@pytest.fixture
def fleet(cloud: Cloud, tmp_path: Path) -> Any:
    made = Fleet(cloud, tmp_path)
    made.seed()
    made.add_host(HOST)
    yield made
    made.close()


def actions(client: TestClient, admin: dict[str, str], server_id: UUID) -> list[Any]:
    response = client.get(f"{V21}/{server_id}/os-instance-actions", headers=auth(admin, "2.84"))
    assert response.status_code == 200, response.text
    return list(response.json()["instanceActions"])


def finished_step(fleet: Fleet, client: TestClient, admin: dict[str, str],
                  server_id: UUID) -> tuple[Any, Any]:
    """The extend_volume action and its compute_extend_volume step, once the step finished."""
    def found() -> tuple[Any, Any] | None:
        fleet.cloud.sync_read_models()
        extends = [a for a in actions(client, admin, server_id) if a["action"] == "extend_volume"]
        if not extends:
            return None
        shown = client.get(f"{V21}/{server_id}/os-instance-actions/{extends[0]['request_id']}",
                           headers=auth(admin, "2.84")).json()["instanceAction"]
        done = [e for e in shown["events"]
                if e["event"] == "compute_extend_volume" and e["finish_time"]]
        return (shown, done[0]) if done else None
    return wait_for(found, "the compute_extend_volume step to finish")


def test_an_extend_of_an_attached_volume_is_the_servers_extend_volume_action(
        fleet: Fleet, client: TestClient, admin: dict[str, str], tmp_path: Path) -> None:
    server_id, data = fleet.running(), ready_volume(fleet, tmp_path)
    fleet.cloud.volumes.request_attach(request(), data, server_id.hex)
    wait_status(fleet, data, "in-use")
    fleet.cloud.volumes.extend(request(), data, 2, attached=True)
    fleet.cloud.sync_read_models()
    assert "extend_volume" not in [a["action"] for a in actions(client, admin, server_id)]

    fleet.cloud.volumes.extended(STORAGE, data, 2)  # the storage side grew it: the host is told
    action, step = finished_step(fleet, client, admin, server_id)
    assert (step["result"], step["host"], step["details"]) == ("Success", HOST, None)
    assert action["message"] is None and action["instance_uuid"] == str(server_id)
    assert [a["action"] for a in actions(client, admin, server_id)] == [
        "extend_volume", "attach_volume", "create"]
    assert wait_status(fleet, data, "in-use").size == 2


def test_a_failed_resize_is_an_error_with_its_reason_and_other_events_are_no_action(
        fleet: Fleet, client: TestClient, admin: dict[str, str], tmp_path: Path) -> None:
    from domain.services.compute.external_events import ExternalEventService, Posted

    server_id, loose = fleet.running(), ready_volume(fleet, tmp_path)
    verdicts = ExternalEventService(fleet.cloud.app).record(request(), [
        Posted(server_id, "network-changed", "completed", None),
        Posted(server_id, "volume-extended", "completed", str(loose))])
    assert [v.code for v in verdicts] == [200, 200]
    action, step = finished_step(fleet, client, admin, server_id)
    assert step["result"] == "Error" and action["message"] == "Error"
    assert step["details"] == f"volume {loose} is not attached to {server_id}"
    assert [a["action"] for a in actions(client, admin, server_id)] == [
        "extend_volume", "create"]
