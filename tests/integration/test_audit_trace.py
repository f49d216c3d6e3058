"""`skyledger audit --request-id ID --trace`: an API request, the events it caused, and the libvirt
calls the workers made for it, recorded with their outcome events (domain/process/effects.py).

Servers boot through the API on a libvirt test-driver host run by a real compute worker
(tests/support/fleet.py); a volume is made by a real volume worker in a test-driver
storage pool of its own. Both event stores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.positions import ProcessPositions
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.states import VmState
from domain.process.storage.worker import VolumeWorker, VolumeWorkerConfig
from ops.bootstrap import Cloud
from ops.cli import main
from projections.audit import AuditViews
from tests.support.compute_api import SERVERS, make_image
from tests.support.fleet import Fleet
from tests.support.hypervisor import TEST_URI, pool_backend
from tests.support.waiting import wait_for

# The CLI opens the cloud the tests drive: the environment names its data dir and store.
pytestmark = pytest.mark.usefixtures("env")

HOST = "trace-host"


@pytest.fixture
def fleet(cloud: Cloud, tmp_path: Path) -> Iterator[Fleet]:
    made = Fleet(cloud, tmp_path)
    made.add_host(HOST)
    cloud.sync_read_models()
    yield made
    made.close()


def trace(capsys: pytest.CaptureFixture[str], request_id: str) -> list[dict[str, Any]]:
    assert main(["audit", "--request-id", request_id, "--trace", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["request_id"] == request_id
    events: list[dict[str, Any]] = answer["events"]
    return events


def effects_of(events: list[dict[str, Any]], name: str) -> list[tuple[str, str, str]]:
    """(system, action, target) of what was recorded with the event called `name`."""
    [event] = [e for e in events if f"{e['aggregate_type']}.{e['event']}" == name]
    return [(x["system"], x["action"], x["target"]) for x in event["effects"]]


def boot(client: TestClient, admin: dict[str, str], image: str) -> tuple[str, str]:
    body = {"server": {"name": "traced", "flavorRef": "1", "imageRef": image}}
    response = client.post(SERVERS, json=body, headers=admin)
    assert response.status_code == 202, response.text
    return response.json()["server"]["id"], response.headers["X-Openstack-Request-Id"]


def test_a_boot_and_a_delete_trace_to_the_libvirt_calls_made_for_them(
        cloud: Cloud, client: TestClient, admin: dict[str, str], fleet: Fleet,
        capsys: pytest.CaptureFixture[str]) -> None:
    server_id, boot_request = boot(client, admin, make_image(cloud))
    fleet.wait_until(UUID(server_id), VmState.ACTIVE)
    events = trace(capsys, boot_request)
    names = [f"{e['aggregate_type']}.{e['event']}" for e in events]
    assert names.index("Instance.Requested") < names.index("Instance.Spawned")
    assert effects_of(events, "Instance.Spawned") == [("libvirt", "defineXML", server_id),
                                                     ("libvirt", "create", server_id)]
    assert effects_of(events, "Instance.Requested") == []  # the API itself touches no host
    spawned = next(e for e in events if e["event"] == "Spawned")
    assert spawned["user_id"] == f"compute:{HOST}" and spawned["aggregate_id"] == \
        UUID(server_id).hex
    # The event store itself holds them: the trail is derived, the meta is the record.
    stored = [e for e in cloud.app.repository.event_store.get(UUID(server_id))
              if type(e).__name__ == "Spawned"]
    assert [(x["action"], x["target"]) for x in stored[0].meta["effects"]] == [
        ("defineXML", server_id), ("create", server_id)]

    assert main(["audit", "--request-id", boot_request, "--trace"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(boot_request) and f"libvirt defineXML {server_id}" in text
    assert f"Instance.Spawned  {UUID(server_id).hex}  by compute:{HOST}" in text

    deleted = client.delete(f"{SERVERS}/{server_id}", headers=admin)
    assert deleted.status_code == 204, deleted.text
    delete_request = deleted.headers["X-Openstack-Request-Id"]
    wait_for(lambda: fleet.instance(UUID(server_id)).deleted, "the server to be deleted")
    assert UUID(server_id) not in fleet.hosts[HOST].guests()
    events = trace(capsys, delete_request)
    carrying = [e for e in events if e["effects"]]
    assert len(carrying) == 1, "one outcome save, its effects listed once"
    assert f"{carrying[0]['aggregate_type']}.{carrying[0]['event']}" == "Instance.Deleted"
    assert [(x["action"], x["target"]) for x in carrying[0]["effects"]] == [
        ("destroy", server_id), ("undefine", server_id)]
    same = [e for e in events if "same_effects_as" in e]
    assert all(e["same_effects_as"] == carrying[0]["position"] for e in same)
    assert boot_request not in {e["request_id"] for e in events}


def test_the_effects_survive_a_rebuild_of_the_trail(
        cloud: Cloud, client: TestClient, admin: dict[str, str], fleet: Fleet) -> None:
    server_id, request_id = boot(client, admin, make_image(cloud))
    fleet.wait_until(UUID(server_id), VmState.ACTIVE)
    runner = cloud.runners["audit"]
    runner.catch_up()
    views = AuditViews(cloud.store)
    before = views.trace(request_id)
    assert any(e["effects"] for e in before)
    runner.rebuild()
    assert views.trace(request_id) == before


def test_trace_needs_a_request_id_and_says_when_there_is_none(
        cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--trace"]) == 2
    assert "--trace needs --request-id" in capsys.readouterr().err
    assert main(["audit", "--trace", "--request-id", "req-nothing", "--follow"]) == 2
    capsys.readouterr()
    assert main(["audit", "--trace", "--request-id", "req-nothing"]) == 1
    assert "no events recorded" in capsys.readouterr().out
    with pytest.raises(SystemExit) as shown:
        main(["audit", "--help"])
    assert shown.value.code == 0
    assert "--trace" in capsys.readouterr().out


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    yield from pool_backend(TEST_URI, tmp_path, "skyledger-trace")


def test_a_volume_create_attach_and_detach_trace_to_the_libvirt_calls(
        cloud: Cloud, client: TestClient, admin: dict[str, str], pool: LibvirtVolumeBackend,
        fleet: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.volumes_api import project_of

    response = client.post(f"/volume/v3/{project_of(cloud, admin)}/volumes", headers=admin,
                           json={"volume": {"size": 1, "name": "traced"}})
    assert response.status_code == 202, response.text
    volume_id = response.json()["volume"]["id"]
    host = cloud.app.repository.get(UUID(volume_id)).host
    worker = VolumeWorker(cloud.app, pool, cloud.volumes, ProcessPositions(cloud.store),
                          cloud.blobs, VolumeWorkerConfig(host=host))
    assert worker.catch_up() == 1
    events = trace(capsys, response.headers["X-Openstack-Request-Id"])
    [made] = [e for e in events if e["effects"]]
    assert (made["aggregate_type"], made["event"], made["user_id"]) == (
        "Volume", "Provisioned", f"volume:{host}")
    assert [(x["system"], x["action"], x["target"]) for x in made["effects"]] == [
        ("libvirt", "storageVolCreateXML", volume_id)]
    assert made["effects"][0]["bytes"] == str(2**30)

    server_id, _ = boot(client, admin, make_image(cloud))
    fleet.wait_until(UUID(server_id), VmState.ACTIVE)
    attachments = f"{SERVERS}/{server_id}/os-volume_attachments"
    attach = client.post(attachments, json={"volumeAttachment": {"volumeId": volume_id}},
                         headers=admin)
    assert attach.status_code == 200, attach.text
    wait_for(lambda: cloud.app.repository.get(UUID(volume_id)).status.value == "in-use",
             "the volume to be attached")
    assert effects_of(trace(capsys, attach.headers["X-Openstack-Request-Id"]),
                      "Volume.Attached") == [("libvirt", "defineXML", server_id)]
    detach = client.delete(f"{attachments}/{volume_id}", headers=admin)
    assert detach.status_code == 202, detach.text
    wait_for(lambda: cloud.app.repository.get(UUID(volume_id)).status.value == "available",
             "the volume to be detached")
    [detached] = [e for e in trace(capsys, detach.headers["X-Openstack-Request-Id"])
                  if e["effects"]]
    assert (detached["event"], detached["effects"][0]["removed_disk"]) == ("Detached", "vdb")

    removed = client.delete(f"/volume/v3/{project_of(cloud, admin)}/volumes/{volume_id}",
                            headers=admin)
    assert removed.status_code == 202, removed.text
    assert worker.catch_up() == 1
    assert effects_of(trace(capsys, removed.headers["X-Openstack-Request-Id"]),
                      "Volume.Deleted") == [("libvirt", "storageVolDelete", volume_id)]
