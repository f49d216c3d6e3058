"""`GET /servers/{id}/diagnostics` answered from the real libvirt domain on the server's host:
the request is recorded, the host's compute worker (a real one, on a libvirt test-driver node)
reads the domain's statistics and records them, and the API shapes them as Nova's libvirt
driver does below and from 2.48. Admins only; a stopped guest and a server without a host are
Nova's 409, an unknown server 404. Both event stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.compute.states import VmState
from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.fleet import USER, Fleet

V21 = "/compute/v2.1/servers"


@pytest.fixture
def fleet(cloud: Cloud, tmp_path: Path) -> Any:
    made = Fleet(cloud, tmp_path)
    made.seed()
    made.add_host("diag-host")
    yield made
    made.close()


def recorded(cloud: Cloud, kind: str) -> int:
    """How many DiagnosticsRequest events of this kind the log holds."""
    return len([n for n in cloud.app.recorder.select_notifications(1, 10_000)
                if n.topic.endswith(f"DiagnosticsRequest.{kind}")])


def get(client: TestClient, who: dict[str, str], server_id: object, version: str) -> Any:
    return client.get(f"{V21}/{server_id}/diagnostics", headers=auth(who, version))


def test_the_numbers_are_the_domains_own(fleet: Fleet, client: TestClient,
                                          admin: dict[str, str]) -> None:
    server_id = fleet.running()
    dom = fleet.hosts["diag-host"].hypervisor.diagnostics(server_id)  # the port's own reading
    old = get(client, admin, server_id, "2.47")
    assert old.status_code == 200, old.text
    body = old.json()
    assert body["memory"] == 512 * 1024 == dom.max_memory_kib  # the "small" flavor, in KiB
    assert body["cpu0_time"] >= dom.cpu_times[0] > 0 and "cpu1_time" not in body
    assert [d.dev for d in dom.disks] and all(f"{d.dev}_read_req" in body for d in dom.disks)
    assert {f"memory-{k}" for k in dom.memory_stats} <= set(body)
    new = get(client, admin, server_id, "2.48")
    assert new.status_code == 200, new.text
    body = new.json()
    assert {k: body[k] for k in ("state", "driver", "hypervisor", "hypervisor_os",
                                 "config_drive", "num_cpus", "num_disks", "num_nics")} == {
        "state": "running", "driver": "libvirt", "hypervisor": "test", "hypervisor_os": "linux",
        "config_drive": False, "num_cpus": 1, "num_disks": len(dom.disks),
        "num_nics": len(dom.nics)}
    assert body["memory_details"]["maximum"] == 512 and isinstance(body["uptime"], int)
    assert [c["id"] for c in body["cpu_details"]] == [0] and body["cpu_details"][0]["time"] > 0
    assert set(body["disk_details"][0]) == {"read_bytes", "read_requests", "write_bytes",
                                            "write_requests", "errors_count"}
    # Each answer is the host worker's, recorded on its request.
    assert recorded(fleet.cloud, "Answered") == 2


def test_a_stopped_guest_is_a_conflict(fleet: Fleet, client: TestClient,
                                       admin: dict[str, str]) -> None:
    server_id = fleet.running()
    fleet.cloud.actions.act(USER, str(server_id), "stop")
    fleet.wait_until(server_id, VmState.STOPPED)
    fleet.cloud.sync_read_models()
    response = get(client, admin, server_id, "2.48")
    assert response.status_code == 409, response.text
    assert "power state shutdown" in response.json()["conflictingRequest"]["message"]
    assert recorded(fleet.cloud, "Refused") == 1


def test_admins_only_and_unknown_servers(fleet: Fleet, client: TestClient,
                                         admin: dict[str, str],
                                         member_a: dict[str, str]) -> None:
    server_id = fleet.running()
    assert get(client, member_a, server_id, "2.1").status_code == 404  # not A's server
    assert get(client, admin, "00000000-0000-0000-0000-000000000000", "2.1").status_code == 404
    assert get(client, admin, "not-a-uuid", "2.48").status_code == 404
    assert recorded(fleet.cloud, "Requested") == 0  # nothing asked of the host


def test_a_member_may_not_read_their_own_servers_diagnostics(
        cloud: Cloud, client: TestClient, member_a: dict[str, str]) -> None:
    from tests.support.compute_api import Compute, make_image, register_host

    register_host(cloud, "host-1")
    compute = Compute(cloud, client, make_image(cloud))
    server_id = compute.booted(member_a)
    assert get(client, member_a, server_id, "2.48").status_code == 403


def test_a_server_not_on_a_host_yet_is_a_conflict(cloud: Cloud, client: TestClient,
                                                  admin: dict[str, str]) -> None:
    from tests.support.compute_api import Compute, make_image

    compute = Compute(cloud, client, make_image(cloud))
    server_id = compute.booted(admin)  # no host at all: it goes to ERROR with none
    cloud.sync_read_models()
    response = get(client, admin, server_id, "2.1")
    assert response.status_code == 409, response.text
    assert recorded(cloud, "Requested") == 0
