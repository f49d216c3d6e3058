"""Boot from volume when a spawn fails and the server is rescheduled, on both stores.

Each host has a storage pool of its own (a libvirt pool on test:///default) and a volume worker
for it, as `skyledger serve` runs one per host. A spawn is made to fail for real: a libvirt domain
already holds the instance's uuid on that host under another name, so libvirt refuses to define
the guest, after the compute worker made the root volume. Whatever the boot made on a failed
host must be gone from that host's pool; the volume follows the server to its next host; a
volume the user supplied is never deleted by a failed spawn; and after the server is deleted
nothing is left: no live Volume aggregate it owned, no pool file, no quota usage."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.states import VmState
from domain.process.storage.worker import VolumeWorkerConfig
from domain.quota.ledger import ledger_id
from domain.services.compute.boot_volumes import RootVolumeRequest
from domain.services.storage.volumes import VolumeRequest, VolumeService
from domain.storage.volume import Volume
from ops.bootstrap import Cloud
from ops.bootstrap import assemble_volume as assemble_volume_worker
from ops.roles.storage import VolumeHost
from projections.volumes import VolumeViews
from tests.support.fleet import USER, Fleet
from tests.support.hypervisor import TEST_URI, remove_pool
from tests.support.waiting import wait_for

# Equal hosts score equally and the scheduler then takes names in order: "a-..." first.
A, B = "a-fails", "b-works"


class PoolFleet(Fleet):
    """A fleet whose hosts each have their own storage pool, used by the host's compute worker
    (root volumes) and by its volume worker (volume requests whose host it is)."""

    def __init__(self, cloud: Cloud, tmp: Path) -> None:
        super().__init__(cloud, tmp)
        self.pools: dict[str, LibvirtVolumeBackend] = {}
        self.volume_hosts: dict[str, VolumeHost] = {}

    def add_pool_host(self, name: str) -> None:
        pool = f"skyledger-bfvr-{uuid.uuid4().hex[:8]}"
        self.pools[name] = LibvirtVolumeBackend(TEST_URI, pool, self.tmp / "pools" / name)
        self.start_volume_worker(name)
        self.add_host(name)

    def volumes_of(self, name: str) -> LibvirtVolumeBackend:
        return self.pools[name]

    def start_volume_worker(self, name: str) -> None:
        config = VolumeWorkerConfig(host=name, poll_interval=0.02, reconcile_interval=3600.0)
        worker = assemble_volume_worker(self.cloud.app, self.cloud.store, self.cloud.blobs,
                                        self.pools[name], config, self.cloud.volumes)
        self.volume_hosts[name] = VolumeHost(worker).start()

    def stop_volume_worker(self, name: str) -> VolumeHost:
        stopped = self.volume_hosts.pop(name)
        stopped.stop()
        return stopped

    def close(self) -> None:
        super().close()
        for name in list(self.volume_hosts):
            self.stop_volume_worker(name)
        for pool in self.pools.values():
            pool.close()
            remove_pool(TEST_URI, pool._pool.name())

    # -- what the tests look at ------------------------------------------------------------------
    def in_pool(self, name: str) -> set[UUID]:
        return set(self.pools[name].list_volumes())

    def volume(self, volume_id: str | UUID) -> Volume:
        found: Volume = self.cloud.app.repository.get(UUID(str(volume_id)))
        return found

    def used(self) -> dict[str, int]:
        ledger = self.cloud.app.find(ledger_id(str(USER.project_id)))
        return {r: ledger.used(r) if ledger else 0 for r in ("volumes", "gigabytes")}

    def volume_ids(self) -> set[UUID]:
        """Every Volume aggregate ever requested, from the event log itself."""
        notifications = self.cloud.app.recorder.select_notifications(1, 100_000)
        return {n.originator_id for n in notifications if n.topic.endswith("Volume.Requested")}

    def live_volumes(self) -> set[UUID]:
        return {v for v in self.volume_ids() if not self.volume(v).deleted}

    def squat(self, name: str, instance_id: UUID) -> None:
        """A libvirt domain holding the instance's uuid under another name: defining the
        instance's guest on this host fails (libvirt refuses a second domain with one uuid)."""
        xml = (f"<domain type='test'><name>squatter-{instance_id.hex[:8]}</name>"
               f"<uuid>{instance_id}</uuid><memory>65536</memory><vcpu>1</vcpu>"
               "<os><type>hvm</type></os></domain>")
        self.hosts[name].hypervisor._conn.defineXML(xml)

    def boot_failing_on(self, failing: tuple[str, ...], root: RootVolumeRequest) -> UUID:
        """Boot one volume-backed server whose spawn fails on each host of `failing`."""
        for name in failing:
            self.stop(name)  # still up (its heartbeat is recent): the scheduler picks it
        [instance_id] = self.boot("small", image="", networks="none", root=root)
        for name in failing:
            self.squat(name, instance_id)
            self.start(name)
        return instance_id


@pytest.fixture
def pool_fleet(compute_cloud: Cloud, tmp_path: Path) -> Iterator[PoolFleet]:
    made = PoolFleet(compute_cloud, tmp_path)
    made.seed()
    # A raw image qemu-img can read (the fleet's own images are not disks).
    made.disk = made.upload_image("disk", bytes(1 << 20), "raw")  # type: ignore[attr-defined]
    try:
        made.add_pool_host(A)
        made.add_pool_host(B)
        yield made
    finally:
        made.close()


def delete_server(fleet: PoolFleet, instance_id: UUID) -> None:
    fleet.cloud.actions.delete(USER, instance_id.hex)
    wait_for(lambda: fleet.instance(instance_id).deleted, f"{instance_id} deleted")


def assert_not_lost_on(fleet: PoolFleet, name: str, volume_id: UUID) -> None:
    """The old host's volume reconciler, run once with its worker stopped, finds no drift in a
    volume that went with the server to another host."""
    fleet.stop_volume_worker(name).worker.reconciler.run()
    assert fleet.volume(volume_id).status.value != "error", fleet.volume(volume_id).fault


@pytest.mark.parametrize("delete_on_termination", [True, False])
def test_a_rescheduled_boot_leaves_no_root_volume_on_the_failed_host(
        pool_fleet: PoolFleet, delete_on_termination: bool) -> None:
    fleet = pool_fleet
    root = RootVolumeRequest("image", fleet.disk, 2, delete_on_termination)  # type: ignore[attr-defined]
    instance_id = fleet.boot_failing_on((A,), root)
    instance = fleet.wait_until(instance_id, VmState.ACTIVE)
    assert (instance.host, instance.tried_hosts) == (B, [A])
    volume_id = UUID(str(instance.root_volume))
    assert (fleet.in_pool(A), fleet.in_pool(B)) == (set(), {volume_id})
    made = fleet.volume(volume_id)
    assert (made.status.value, made.host, (made.attachment or {}).get("host")) == \
        ("in-use", B, B)
    assert made.path == str(fleet.tmp / "pools" / B / str(volume_id))
    fleet.cloud.sync_read_models()  # the read model says where it went, too
    row = VolumeViews(fleet.cloud.store).get(volume_id.hex)
    assert row is not None and (row["status"], row["host"], row["attachment"]["host"]) == \
        ("in-use", B, B)
    assert fleet.live_volumes() == {volume_id}
    assert fleet.used() == {"volumes": 1, "gigabytes": 2}
    fleet.check_ledgers()
    fleet.check_guests()
    assert_not_lost_on(fleet, A, volume_id)

    delete_server(fleet, instance_id)
    if delete_on_termination:
        wait_for(lambda: fleet.volume(volume_id).deleted, "the root volume deleted")
        assert fleet.live_volumes() == set() and fleet.in_pool(B) == set()
        assert fleet.used() == {"volumes": 0, "gigabytes": 0}
    else:
        kept = fleet.volume(volume_id)
        assert (kept.status.value, kept.attachment) == ("available", None)
        assert fleet.in_pool(B) == {volume_id} and fleet.used()["volumes"] == 1
    assert fleet.in_pool(A) == set()
    fleet.check_ledgers()


def test_after_the_last_host_fails_deleting_the_server_leaves_nothing(
        pool_fleet: PoolFleet) -> None:
    fleet = pool_fleet
    root = RootVolumeRequest("image", fleet.disk, 1, False)  # type: ignore[attr-defined]
    instance_id = fleet.boot_failing_on((A, B), root)
    failed = fleet.wait_until(instance_id, VmState.ERROR)
    assert sorted(failed.tried_hosts) == [A, B]
    volume_id = UUID(str(failed.root_volume))
    # The server in ERROR still holds its root volume (as it holds its own quota) ...
    assert fleet.used() == {"volumes": 1, "gigabytes": 1}
    # ... but no pool holds a file of it: each failed host deleted what it made.
    assert (fleet.in_pool(A), fleet.in_pool(B)) == (set(), set())
    held = fleet.volume(volume_id)
    assert (held.status.value, held.host) == ("creating", B)

    delete_server(fleet, instance_id)
    wait_for(lambda: fleet.volume(volume_id).deleted, "the never-made root volume deleted")
    assert fleet.live_volumes() == set()
    assert (fleet.in_pool(A), fleet.in_pool(B)) == (set(), set())
    assert fleet.used() == {"volumes": 0, "gigabytes": 0}
    fleet.check_ledgers()


@pytest.mark.parametrize("delete_on_termination", [True, False])
def test_a_volume_the_user_supplied_survives_the_reschedule(
        pool_fleet: PoolFleet, delete_on_termination: bool) -> None:
    fleet = pool_fleet
    service = VolumeService(fleet.cloud.app, host=A)
    volume_id = service.create(USER, VolumeRequest(size=1, image_ref=fleet.disk)).id  # type: ignore[attr-defined]
    wait_for(lambda: fleet.volume(volume_id).status.value == "available", "the volume made")
    path = fleet.volume(volume_id).path
    root = RootVolumeRequest("volume", volume_id.hex, None, delete_on_termination)
    instance_id = fleet.boot_failing_on((A,), root)
    instance = fleet.wait_until(instance_id, VmState.ACTIVE)
    assert (instance.host, instance.root_volume) == (B, volume_id.hex)
    used = fleet.volume(volume_id)
    # Still the user's volume in its own pool: the failed spawn on A neither deleted nor moved it.
    assert (used.status.value, used.host, used.path) == ("in-use", A, path)
    assert (used.attachment or {}).get("host") == B
    assert fleet.in_pool(A) == {volume_id} and fleet.in_pool(B) == set()
    assert fleet.live_volumes() == {volume_id}
    assert fleet.used() == {"volumes": 1, "gigabytes": 1}

    delete_server(fleet, instance_id)
    if delete_on_termination:  # the user asked for it to go with the server (Nova deletes it)
        wait_for(lambda: fleet.volume(volume_id).deleted, "the volume deleted")
        assert fleet.in_pool(A) == set() and fleet.used()["volumes"] == 0
    else:
        kept = fleet.volume(volume_id)
        assert (kept.status.value, kept.attachment) == ("available", None)
        assert fleet.in_pool(A) == {volume_id} and fleet.used()["volumes"] == 1
    fleet.check_ledgers()


def test_a_volume_the_user_supplied_is_left_available_after_the_last_host_fails(
        pool_fleet: PoolFleet) -> None:
    fleet = pool_fleet
    volume_id = VolumeService(fleet.cloud.app, host=A).create(
        USER, VolumeRequest(size=1, image_ref=fleet.disk)).id  # type: ignore[attr-defined]
    wait_for(lambda: fleet.volume(volume_id).status.value == "available", "the volume made")
    instance_id = fleet.boot_failing_on((A, B), RootVolumeRequest("volume", volume_id.hex))
    fleet.wait_until(instance_id, VmState.ERROR)
    assert fleet.in_pool(A) == {volume_id}
    delete_server(fleet, instance_id)
    kept = fleet.volume(volume_id)
    assert (kept.status.value, kept.attachment, kept.deleted) == ("available", None, False)
    assert fleet.in_pool(A) == {volume_id} and fleet.used() == {"volumes": 1, "gigabytes": 1}
    fleet.check_ledgers()
