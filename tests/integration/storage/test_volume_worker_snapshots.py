"""Volume snapshots and copies through the volume worker, against libvirt's test driver (a dir
pool of its own) on both event stores: a snapshot is a copy in the pool under its own name,
claimed on the quota with the volume, which refuses deletion while it lives; a volume made from
a snapshot or cloned from a volume is copied from it in the same pool; deleting the snapshot
gives its quota back and lets the volume go."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.storage.libvirt_volumes import snapshot_name
from domain.errors import InvalidInput
from domain.quota.ledger import ledger_id
from domain.services.storage.snapshots import SnapshotRequest
from domain.services.storage.volumes import VolumeRequest
from domain.storage.backends import GIB
from domain.storage.snapshot import SnapshotStatus
from domain.storage.volume_states import VolumeStatus
from tests.integration.storage.volume_worker_rig import USER, Rig


def held(rig: Rig) -> dict[str, int]:
    ledger = rig.app.find(ledger_id(str(USER.project_id)))
    return {r: ledger.used(r) for r in ("volumes", "gigabytes", "snapshots")}


def pool_names(rig: Rig) -> set[str]:
    return {v.name() for v in rig.pool().listAllVolumes(0)}


def test_a_snapshot_is_a_copy_in_the_pool_and_holds_its_volume_and_quota(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create(size=2)
    worker.catch_up()
    snapshots = rig.cloud.volume_snapshots
    snapshot = snapshots.create(USER, SnapshotRequest(volume_id=volume_id.hex, name="s1"))
    assert held(rig) == {"volumes": 1, "gigabytes": 4, "snapshots": 1}
    assert snapshot.status is SnapshotStatus.CREATING and snapshot.size == 2
    assert worker.catch_up() == 1
    made = snapshots.load(snapshot.id)
    assert made is not None and made.status is SnapshotStatus.AVAILABLE
    assert snapshot_name(snapshot.id) in pool_names(rig)
    assert rig.backend.list_volumes().keys() == {volume_id}  # a snapshot is no volume

    with pytest.raises(InvalidInput, match="have snapshots"):
        rig.cloud.volumes.delete(USER, volume_id)

    snapshots.delete(USER, snapshot.id)
    assert worker.catch_up() == 1
    assert snapshots.load(snapshot.id) is None
    assert snapshot_name(snapshot.id) not in pool_names(rig)
    assert held(rig) == {"volumes": 1, "gigabytes": 2, "snapshots": 0}
    rig.cloud.volumes.delete(USER, volume_id)  # nothing holds it now
    worker.catch_up()
    assert rig.volume(volume_id).deleted


def test_volumes_made_from_a_snapshot_and_cloned_from_a_volume_are_copies(rig: Rig) -> None:
    worker = rig.worker()
    source = rig.create(size=1)
    worker.catch_up()
    snapshot = rig.cloud.volume_snapshots.create(USER, SnapshotRequest(volume_id=source.hex))
    worker.catch_up()
    volumes = rig.cloud.volumes
    from_snapshot = volumes.create(USER, VolumeRequest(size=None, snapshot_id=snapshot.id.hex))
    clone = volumes.create(USER, VolumeRequest(size=3, source_volid=source.hex))
    assert (from_snapshot.size, from_snapshot.snapshot_id) == (1, snapshot.id.hex)
    assert (clone.size, clone.source_volid) == (3, source.hex)
    assert worker.catch_up() == 2
    for volume_id, size in ((from_snapshot.id, 1), (clone.id, 3)):
        assert rig.volume(volume_id).status is VolumeStatus.AVAILABLE, rig.volume(volume_id).fault
        info = rig.backend.info(volume_id)
        assert info is not None and info.capacity_bytes == size * GIB
    assert not any(name.endswith(".partial") for name in pool_names(rig))


def test_a_copy_smaller_than_its_source_or_of_a_missing_source_is_refused(rig: Rig) -> None:
    worker = rig.worker()
    source = rig.create(size=2)
    worker.catch_up()
    volumes = rig.cloud.volumes
    with pytest.raises(InvalidInput, match="cannot be smaller than the source volume size 2GB"):
        volumes.create(USER, VolumeRequest(size=1, source_volid=source.hex))
    with pytest.raises(Exception, match="could not be found"):
        volumes.create(USER, VolumeRequest(size=1, snapshot_id=UUID(int=7).hex))
    assert held(rig) == {"volumes": 1, "gigabytes": 2, "snapshots": 0}


def test_an_in_use_volume_is_snapshotted_only_with_force(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create()
    worker.catch_up()
    volume = rig.volume(volume_id)
    volume.request_attach("a-server", "h", "/dev/vdb")
    volume.attached(str(volume.attachment["attachment_id"]), "h", "/dev/vdb")  # type: ignore[index]
    rig.app.save(volume)
    snapshots = rig.cloud.volume_snapshots
    with pytest.raises(InvalidInput, match="status must be available, but current status is: "
                                           "in-use"):
        snapshots.create(USER, SnapshotRequest(volume_id=volume_id.hex))
    snapshot = snapshots.create(USER, SnapshotRequest(volume_id=volume_id.hex, force=True))
    worker.catch_up()
    assert snapshots.load(snapshot.id).status is SnapshotStatus.AVAILABLE  # type: ignore[union-attr]


def test_a_cascading_delete_takes_the_snapshots_with_the_volume(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create()
    worker.catch_up()
    snapshots = rig.cloud.volume_snapshots
    made = [snapshots.create(USER, SnapshotRequest(volume_id=volume_id.hex)).id for _ in "ab"]
    worker.catch_up()
    rig.cloud.volumes.delete(USER, volume_id, cascade=True)
    worker.catch_up()
    assert rig.volume(volume_id).deleted
    assert all(snapshots.load(s) is None for s in made)
    assert held(rig) == {"volumes": 0, "gigabytes": 0, "snapshots": 0}
    assert pool_names(rig) == set()
