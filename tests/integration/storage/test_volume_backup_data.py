"""A backup's data on its way out of the pool and back: the libvirt backend's export into a file
of the backup store and its restore into a volume, and the store itself (a directory, one file
per backup named by its id, as Cinder's posix driver keeps them).

On qemu:///system the bytes go through libvirt's storage streams and are compared; the test
driver's volumes hold no data, so there a volume exports as a sparse file of its size."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from adapters.storage.backup_files import FileBackupStore
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.storage.backends import GIB, SourceRef, VolumeBackendError, VolumeNotFound
from tests.support.hypervisor import MIB

MARKER = b"SKYLEDGER-BACKUP-DATA"


def test_a_backup_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    store = FileBackupStore(tmp_path / "backups")
    backup_id = uuid.uuid4()

    def dies_half_way(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(VolumeBackendError, match="disk full"):
        store.write(backup_id, dies_half_way)
    assert store.path(backup_id) is None  # the staging file is never taken for a backup

    assert store.write(backup_id, lambda path: path.write_bytes(b"whole")) == 5
    assert store.write(backup_id, lambda path: path.write_bytes(b"again")) == 5  # idempotent
    assert store.path(backup_id) == tmp_path / "backups" / str(backup_id)
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [str(backup_id)]


def test_an_imported_record_shares_the_data_and_each_delete_keeps_the_other(
        tmp_path: Path) -> None:
    store = FileBackupStore(tmp_path / "backups")
    original, imported = uuid.uuid4(), uuid.uuid4()
    assert store.link(imported, original) is None  # nothing stored of it
    store.write(original, lambda path: path.write_bytes(b"data"))
    assert store.link(imported, original) == 4
    assert store.link(imported, original) == 4  # a replay
    store.delete(original)
    store.delete(original)  # a missing one is success
    found = store.path(imported)
    assert found is not None and found.read_bytes() == b"data"


def test_export_of_a_missing_volume_is_refused(backend: LibvirtVolumeBackend,
                                               tmp_path: Path) -> None:
    missing = uuid.uuid4()
    with pytest.raises(VolumeNotFound):
        backend.export(SourceRef(missing), tmp_path / "out")


def test_export_and_restore_give_back_the_volume(backend: LibvirtVolumeBackend,
                                                 tmp_path: Path) -> None:
    source_id, target_id = uuid.uuid4(), uuid.uuid4()
    source = backend.create(source_id, 1)
    real = source.path.exists()  # qemu:///system: a file of the pool; the test driver: none
    if real:
        with source.path.open("r+b") as disk:
            disk.seek(5 * MIB)
            disk.write(MARKER)
    store = FileBackupStore(tmp_path / "backups")
    backup_id = uuid.uuid4()
    size = store.write(backup_id, lambda path: backend.export(SourceRef(source_id), path))
    assert size == GIB
    kept = store.path(backup_id)
    assert kept is not None

    restored = backend.restore(target_id, 2, kept)  # made for the restore, larger
    assert restored.size_gib == 2 and target_id in backend.list_volumes()
    again = backend.restore(target_id, 2, kept)  # a replay writes it all again
    assert again.path == restored.path
    if real:
        with restored.path.open("rb") as disk:
            disk.seek(5 * MIB)
            assert disk.read(len(MARKER)) == MARKER


def test_a_backup_larger_than_the_volume_is_not_restored(backend: LibvirtVolumeBackend,
                                                         tmp_path: Path) -> None:
    target_id = uuid.uuid4()
    backend.create(target_id, 1)
    big = tmp_path / "big"
    with big.open("wb") as data:
        data.truncate(2 * GIB)
    with pytest.raises(VolumeBackendError, match="cannot hold it"):
        backend.restore(target_id, 1, big)
