"""Live and cold migration of a real guest through the API, between two compute hosts of the
migration bed (tests/support/migration_bed.py): two `skyledger compute` processes, each on its
own libvirtd in its own network namespace, sharing one PostgreSQL event store with a
`skyledger serve` (tests/e2e/multi_host.py's deployment).

One server is booted on bed-a, live-migrated to bed-b (`os-migrateLive`, block migration
"auto": its disks are copied), and shown running on there by its console: a disk plugged into
the guest on bed-b makes its init print the new list of disks, which the API's console output
shows. Migrating it back is refused by bed-a's libvirtd (bed-a's worker advertises a port
nothing listens on): the migration ends in error and the server stays ACTIVE on bed-b, with
nothing left on bed-a. Then it is cold-migrated back to bed-a (`migrate`, confirmed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openstack
import pytest

from domain.compute.backends import GuestState, KernelBoot
from tests.e2e.multi_host import Deployment
from tests.support.migration_bed import BedHost, MigrationBed
from tests.support.real_guest import READY, console, guest_image_id
from tests.support.waiting import wait_for

pytestmark = pytest.mark.qemu

TIMEOUT_S = 120.0  # a boot is ~6-10 s here under TCG; a migration ~3 s
TIMING = {"SKYLEDGER_REPORT_INTERVAL": "1", "SKYLEDGER_SERVICE_DOWN_TIME": "6"}
REFUSING_PORT = 1  # bed-a's worker tells sources to reach its libvirtd here: nothing listens


@pytest.fixture(scope="module")
def cloud(migration_bed: MigrationBed, guest_image: KernelBoot, pg_module_schema_url: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    a, b = migration_bed.hosts
    deployment = Deployment(tmp_path_factory.mktemp("cloud"), pg_module_schema_url, TIMING)
    try:
        deployment.start_api("no-storage-host")
        deployment.start_host("compute", a.name, {
            "SKYLEDGER_LIBVIRT_URI": a.uri,
            "SKYLEDGER_LIVE_MIGRATION_URI": f"qemu+tcp://{a.address}:{REFUSING_PORT}/system",
            "SKYLEDGER_LIVE_MIGRATION_ADDRESS": a.address})
        deployment.start_host("compute", b.name, {"SKYLEDGER_LIBVIRT_URI": b.uri,
                                                   "SKYLEDGER_LIVE_MIGRATION_URI": b.peer_uri})
        yield deployment
    finally:
        deployment.close()


@pytest.fixture(scope="module")
def admin(cloud: Deployment) -> Iterator[openstack.connection.Connection]:
    assert cloud.api is not None
    connection = cloud.api.connect()
    yield connection
    connection.close()


def boot_on(admin: openstack.connection.Connection, host: str, guest_image: KernelBoot) -> str:
    image_id = guest_image_id(admin, guest_image, "mig")
    flavor = admin.compute.create_flavor(name=f"mig-{uuid.uuid4().hex[:6]}", ram=128, vcpus=1,
                                         disk=1)
    response = admin.compute.post("/servers", microversion="2.74", json={"server": {
        "name": "mover", "imageRef": image_id, "flavorRef": flavor.id, "networks": "none",
        "host": host}})
    assert response.status_code == 202, response.text
    return str(response.json()["server"]["id"])


def shown(admin: openstack.connection.Connection, server_id: str) -> dict[str, Any]:
    response = admin.compute.get(f"/servers/{server_id}", microversion="2.68")
    assert response.status_code == 200, response.text
    return dict(response.json()["server"])


def settled_on(admin: openstack.connection.Connection, server_id: str, host: str,
               status: str = "ACTIVE") -> dict[str, Any] | None:
    server = shown(admin, server_id)
    done = server["status"] == status and server["OS-EXT-STS:task_state"] is None
    return server if done and server["OS-EXT-SRV-ATTR:host"] == host else None


def act(admin: openstack.connection.Connection, server_id: str, body: dict[str, Any],
        microversion: str = "2.68", status: int = 202) -> None:
    response = admin.compute.post(f"/servers/{server_id}/action", json=body,
                                  microversion=microversion)
    assert response.status_code == status, response.text


def migrations(admin: openstack.connection.Connection, server_id: str) -> list[dict[str, Any]]:
    response = admin.compute.get(f"/os-migrations?instance_uuid={server_id}",
                                 microversion="2.23")
    assert response.status_code == 200, response.text
    return list(response.json()["migrations"])


def guest_state(host: BedHost, server_id: str) -> GuestState:
    """From the host's list (which a guest going away while it is read does not upset)."""
    with host.hypervisor() as hypervisor:
        return hypervisor.list_guests().get(uuid.UUID(server_id), GuestState.MISSING)


def test_a_real_guest_moves_live_fails_back_cleanly_and_moves_cold(
        migration_bed: MigrationBed, cloud: Deployment, admin: openstack.connection.Connection,
        guest_image: KernelBoot, tmp_path: Path) -> None:
    a, b = migration_bed.hosts
    wait_for(lambda: {h.name for h in admin.compute.hypervisors(details=True)
                      if h.state == "up"} >= {a.name, b.name}, "both hosts up", 60, cloud.logs)
    server_id = boot_on(admin, a.name, guest_image)
    wait_for(lambda: settled_on(admin, server_id, a.name), "the server ACTIVE on bed-a",
             TIMEOUT_S, cloud.logs)
    wait_for(lambda: READY in console(admin, server_id), "the guest to boot", TIMEOUT_S)

    # -- live, to bed-b ----------------------------------------------------------------------
    act(admin, server_id, {"os-migrateLive": {"host": b.name, "block_migration": "auto"}})
    wait_for(lambda: settled_on(admin, server_id, b.name), "the server ACTIVE on bed-b",
             TIMEOUT_S, cloud.logs)
    assert (guest_state(a, server_id), guest_state(b, server_id)) == (
        GuestState.MISSING, GuestState.RUNNING)
    volume = tmp_path / "plugged.raw"
    volume.write_bytes(bytes(1 << 20))
    with b.hypervisor() as hypervisor:  # by hand, beside skyledger: the guest answers on bed-b
        hypervisor.attach_volume(uuid.UUID(server_id), uuid.uuid4(), volume)
    wait_for(lambda: "BLOCK-DEVICES: vda vdb" in console(admin, server_id),
             "the migrated guest's console to go on, from bed-b", TIMEOUT_S)
    [moved] = migrations(admin, server_id)
    assert (moved["migration_type"], moved["status"], moved["source_compute"],
            moved["dest_compute"]) == ("live-migration", "completed", a.name, b.name)
    actions = {x.action: x for x in admin.compute.server_actions(server_id)}
    assert "live-migration" in actions
    events = admin.compute.get_server_action(actions["live-migration"].request_id,
                                             server_id).events
    assert [(e["event"], e["result"]) for e in events] == [("compute_live_migration",
                                                            "Success")]

    # -- live, back to bed-a, whose libvirtd cannot be reached where bed-a says --------------
    act(admin, server_id, {"os-migrateLive": {"host": a.name, "block_migration": True}})
    wait_for(lambda: next((m for m in migrations(admin, server_id)
                           if m["status"] == "error"), None),
             "the refused migration to end in error", TIMEOUT_S, cloud.logs)
    assert settled_on(admin, server_id, b.name) is not None
    assert guest_state(b, server_id) is GuestState.RUNNING
    files_on_a = cloud.tmp / a.name / "var" / "instances" / a.name / server_id
    wait_for(lambda: not files_on_a.exists(), "bed-a's prepared disks removed", 30, cloud.logs)
    assert guest_state(a, server_id) is GuestState.MISSING

    # -- cold, back to bed-a --------------------------------------------------------------------
    act(admin, server_id, {"migrate": {"host": a.name}}, microversion="2.56")
    wait_for(lambda: settled_on(admin, server_id, a.name, "VERIFY_RESIZE"),
             "the cold migration to bed-a", TIMEOUT_S, cloud.logs)
    act(admin, server_id, {"confirmResize": None}, status=204)
    wait_for(lambda: settled_on(admin, server_id, a.name), "the confirmed migration",
             TIMEOUT_S, cloud.logs)
    wait_for(lambda: guest_state(b, server_id) is GuestState.MISSING, "bed-b's copy gone", 30)
    assert guest_state(a, server_id) is GuestState.RUNNING
    assert [m["migration_type"] for m in migrations(admin, server_id)] == [
        "migration", "live-migration", "live-migration"]

    admin.compute.delete_server(server_id)
    wait_for(lambda: guest_state(a, server_id) is GuestState.MISSING, "the guest deleted", 60)
