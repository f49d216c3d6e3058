"""The Backup aggregate's statuses and a volume's part in backups and restores, pure: no store."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.storage.backup import Backup, BackupStatus
from domain.storage.volume import Volume
from domain.storage.volume_states import VolumeStatus

S, V = BackupStatus, VolumeStatus


def backup(parent_id: str | None = None) -> Backup:
    return Backup("p1", "u1", "ab" * 16, None, "b", None, {}, 2, "host-1", "nova", None,
                  parent_id, "2026-12-06T18:00:00.000000", {"image": None, "metadata": {}})


def available_volume(size: int = 2) -> Volume:
    volume = Volume("p1", "u1", "v", None, size, "nova", None, {"a": "1"}, "host-1")
    volume.created("/pool/v")
    return volume


def names(aggregate: Backup | Volume) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def test_a_backup_is_made_restored_and_deleted_by_the_workers_reports_once_each() -> None:
    b = backup()
    assert (b.status, b.quota_held(), b.is_incremental) == (
        S.CREATING, {"backups": 1, "backup_gigabytes": 2}, False)
    b.created(1)
    b.created(1)  # a replayed report records nothing
    b.request_restore("cd" * 16)
    with pytest.raises(InvalidInput, match="Backup status must be available"):
        b.request_restore("ef" * 16)
    b.restore_ended("ef" * 16)  # a report about another restore changes nothing
    assert b.status is S.RESTORING
    b.restore_ended("cd" * 16)
    b.request_delete()
    b.mark_deleted()
    b.mark_deleted()
    assert b.deleted and names(b) == ["Requested", "Provisioned", "RestoreRequested",
                                      "RestoreEnded", "DeleteRequested", "Deleted"]


def test_a_parent_is_not_deleted_under_its_incremental_and_force_skips_the_status() -> None:
    parent = backup()
    with pytest.raises(InvalidInput, match="No backups available"):
        parent.check_parent()  # still creating
    parent.created(1)
    parent.depended_on("cd" * 16)
    with pytest.raises(InvalidInput, match="Incremental backups exist"):
        parent.request_delete()
    parent.dependent_gone("cd" * 16)
    child = backup(parent.id.hex)
    assert child.is_incremental
    with pytest.raises(InvalidInput, match="must be available or error"):
        child.request_delete()
    child.request_delete(force=True)
    assert child.status is S.DELETING


def test_reset_status_sets_only_available_or_error() -> None:
    b = backup()
    with pytest.raises(InvalidInput, match="Invalid status"):
        b.reset_status("deleting")
    b.reset_status("error")
    b.reset_status("error")  # already: nothing recorded
    assert b.status is S.ERROR and names(b) == ["Requested", "StatusReset"]


def test_a_volume_is_backing_up_until_its_backup_ends_and_goes_back_to_its_status() -> None:
    volume = available_volume()
    volume.start_backup("b1", force=False)
    assert (volume.status, volume.backups) == (V.BACKING_UP, ("b1",))
    with pytest.raises(InvalidInput, match="must be available or in-use"):
        volume.start_backup("b2", force=True)
    volume.backup_ended("b2")  # not the one copying it
    assert volume.status is V.BACKING_UP
    volume.backup_ended("b1")
    assert volume.status is V.AVAILABLE
    volume.request_attach("srv", "host-1", "/dev/vdb")
    volume.attached(str((volume.attachment or {})["attachment_id"]), "host-1", "/dev/vdb")
    with pytest.raises(InvalidInput, match="force flag"):
        volume.start_backup("b3", force=False)
    volume.start_backup("b3", force=True)
    volume.backup_ended("b3")
    assert volume.status is V.IN_USE and volume.attachment is not None
    volume.start_backup("b4", force=False, of_snapshot=True)  # its status is the snapshot's
    assert volume.status is V.IN_USE and volume.backups == ("b1", "b3", "b4")
    volume.backup_gone("b1")
    assert volume.backups == ("b3", "b4")


def test_a_restore_takes_the_backed_up_image_and_metadata_or_leaves_the_volume_in_error() -> None:
    volume = available_volume(size=1)
    with pytest.raises(InvalidInput, match="too small"):
        volume.start_restore("b1", 2)
    volume.start_restore("b1", 1)
    assert volume.status is V.RESTORING_BACKUP
    volume.restored("b2", "/pool/x", None, {})  # another backup's report
    assert volume.status is V.RESTORING_BACKUP
    volume.restored("b1", "/pool/v", {"id": "img"}, {"b": "2"})
    assert (volume.status, volume.bootable, volume.metadata) == (
        V.AVAILABLE, True, {"a": "1", "b": "2"})
    volume.start_restore("b1", 1)
    volume.restore_failed("b1", "no data")
    assert (volume.status, volume.fault) == (V.ERROR_RESTORING, "no data")
    volume.request_delete()  # Cinder deletes a volume whose restore failed
    assert volume.status is V.DELETING
