"""Volume backups through the volume worker, against libvirt's test driver (a dir pool of its
own) and the rig's backup store, on both event stores: a backup holds its volume backing-up
and the project's backup quota until the copy is in the store; a restore makes a new volume (or
overwrites one) from it; an incremental backup holds its parent; deleting gives it all back."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.quota.ledger import ledger_id
from domain.services.storage.backups import BackupRequest, BackupService
from domain.services.storage.snapshots import SnapshotRequest
from domain.services.storage.volumes import VolumeRequest
from domain.storage.backup import BackupStatus
from domain.storage.snapshot import SnapshotStatus
from domain.storage.volume_states import VolumeStatus
from tests.integration.storage.volume_worker_rig import ADMIN, USER, Rig


def held(rig: Rig) -> dict[str, int]:
    ledger = rig.app.find(ledger_id(str(USER.project_id)))
    return {r: ledger.used(r) for r in ("volumes", "gigabytes", "backups", "backup_gigabytes")}


def service(rig: Rig) -> BackupService:
    return rig.cloud.volume_backups


def test_a_backup_copies_the_volume_into_the_store_and_restores_into_a_new_one(
        rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create(size=2)
    worker.catch_up()
    rig.cloud.volumes.update(USER, volume_id, {"metadata": {"k": "v"}})
    backup = service(rig).create(USER, BackupRequest(volume_id=volume_id.hex, name="b1"))
    assert rig.volume(volume_id).status is VolumeStatus.BACKING_UP
    assert held(rig) == {"volumes": 1, "gigabytes": 2, "backups": 1, "backup_gigabytes": 2}
    with pytest.raises(InvalidInput, match="must be available or in-use"):
        service(rig).create(USER, BackupRequest(volume_id=volume_id.hex))

    assert worker.catch_up() == 1
    made = service(rig).load_backup(backup.id)
    assert made is not None and made.status is BackupStatus.AVAILABLE
    assert made.object_count == 2  # Cinder posix objects of 1,999,994,880 bytes
    assert rig.volume(volume_id).status is VolumeStatus.AVAILABLE
    assert rig.backups.path(backup.id) is not None

    restored = service(rig).restore(USER, backup.id, None, None)
    assert restored.name == f"restore_backup_{backup.id}"
    assert rig.volume(restored.id).status is VolumeStatus.RESTORING_BACKUP
    assert held(rig)["volumes"] == 2 and held(rig)["gigabytes"] == 4
    assert worker.catch_up() >= 1
    volume = rig.volume(restored.id)
    assert volume.status is VolumeStatus.AVAILABLE and volume.metadata == {"k": "v"}
    assert restored.id in rig.in_pool()
    done = service(rig).load_backup(backup.id)
    assert done is not None and done.status is BackupStatus.AVAILABLE

    service(rig).delete(USER, backup.id)
    assert worker.catch_up() == 1
    assert service(rig).load_backup(backup.id) is None
    assert rig.backups.path(backup.id) is None
    assert held(rig) == {"volumes": 2, "gigabytes": 4, "backups": 0, "backup_gigabytes": 0}
    assert rig.volume(volume_id).backups == ()


def test_an_incremental_backup_holds_its_parent_and_a_snapshot_backup_its_snapshot(
        rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create()
    worker.catch_up()
    with pytest.raises(InvalidInput, match="No backups available"):
        service(rig).create(USER, BackupRequest(volume_id=volume_id.hex, incremental=True))
    full = service(rig).create(USER, BackupRequest(volume_id=volume_id.hex))
    worker.catch_up()
    incremental = service(rig).create(USER, BackupRequest(volume_id=volume_id.hex,
                                                          incremental=True))
    worker.catch_up()
    assert incremental.parent_id == full.id.hex
    with pytest.raises(InvalidInput, match="Incremental backups exist"):
        service(rig).delete(USER, full.id)
    service(rig).delete(USER, incremental.id)
    worker.catch_up()
    service(rig).delete(USER, full.id)  # nothing depends on it now
    worker.catch_up()
    assert service(rig).load_backup(full.id) is None

    snapshots = rig.cloud.volume_snapshots
    snapshot = snapshots.create(USER, SnapshotRequest(volume_id=volume_id.hex))
    worker.catch_up()
    of_snapshot = service(rig).create(USER, BackupRequest(volume_id=volume_id.hex,
                                                          snapshot_id=snapshot.id.hex))
    assert snapshots.load(snapshot.id).status is SnapshotStatus.BACKING_UP  # type: ignore
    assert rig.volume(volume_id).status is VolumeStatus.AVAILABLE  # the volume is not held
    worker.catch_up()
    assert snapshots.load(snapshot.id).status is SnapshotStatus.AVAILABLE  # type: ignore
    made = service(rig).load_backup(of_snapshot.id)
    assert made is not None and made.status is BackupStatus.AVAILABLE


def test_a_restore_into_an_existing_volume_and_a_failed_one(rig: Rig) -> None:
    worker = rig.worker()
    source, small, target = rig.create(size=2), rig.create(size=1), rig.create(size=3)
    worker.catch_up()
    backup = service(rig).create(USER, BackupRequest(volume_id=source.hex))
    worker.catch_up()
    with pytest.raises(InvalidInput, match="too small"):
        service(rig).restore(USER, backup.id, small.hex, None)
    service(rig).restore(USER, backup.id, target.hex, None)
    with pytest.raises(InvalidInput, match="Backup status must be available"):
        service(rig).restore(USER, backup.id, None, None)
    worker.catch_up()
    assert rig.volume(target).status is VolumeStatus.AVAILABLE

    rig.backups.delete(backup.id)  # its data lost behind the system's back
    service(rig).restore(USER, backup.id, target.hex, None)
    worker.catch_up()
    assert rig.volume(target).status is VolumeStatus.ERROR_RESTORING
    kept = service(rig).load_backup(backup.id)
    assert kept is not None and kept.status is BackupStatus.AVAILABLE
    assert "holds no data" in str(kept.fail_reason)
    service(rig).reset_status(ADMIN, backup.id, "error")
    with pytest.raises(InvalidInput, match="Invalid status"):
        service(rig).reset_status(ADMIN, backup.id, "creating")


def test_a_volume_made_from_a_backup_is_restored_at_its_own_size(rig: Rig) -> None:
    """Cinder 3.47's POST /volumes with backup_id: a new volume of the request's size (at
    least the backup's) and type, restoring the backup, claimed with the volume's quota."""
    worker = rig.worker()
    volume_id = rig.create(size=2)
    worker.catch_up()
    backup = service(rig).create(USER, BackupRequest(volume_id=volume_id.hex))
    with pytest.raises(InvalidInput, match="must be one of 'available' values"):
        service(rig).create_volume(USER, backup.id, VolumeRequest(size=None))
    worker.catch_up()
    with pytest.raises(InvalidInput, match="Volume size 1GB cannot be smaller than the backup "
                                           "size 2GB"):
        service(rig).create_volume(USER, backup.id, VolumeRequest(size=1))
    made = service(rig).create_volume(USER, backup.id, VolumeRequest(size=3, name="copy"))
    assert (made.name, made.size, made.status) == ("copy", 3, VolumeStatus.RESTORING_BACKUP)
    assert held(rig)["volumes"] == 2 and held(rig)["gigabytes"] == 5
    assert worker.catch_up() >= 1
    assert rig.volume(made.id).status is VolumeStatus.AVAILABLE
    assert rig.pool().storageVolLookupByName(str(made.id)).info()[1] == 3 * 2**30
    restored = service(rig).load_backup(backup.id)
    assert restored is not None and restored.status is BackupStatus.AVAILABLE
