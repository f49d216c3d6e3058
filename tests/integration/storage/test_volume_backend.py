"""The libvirt volume backend on a directory pool of its own: on libvirt's test driver (volumes
kept in memory, no files) and on qemu:///system (real sparse files under tmp_path).

Tests that look into the volume files run on qemu:///system only (`qemu_backend`).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import libvirt
import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.storage.backends import (
    GIB,
    ImageTooLarge,
    UnsafeImage,
    VolumeBackend,
    VolumeBackendError,
    VolumeInfo,
    VolumeNotFound,
    VolumeShrinkRefused,
)
from tests.support.hypervisor import MIB, TEST_URI

ImageMaker = Callable[..., Path]


def pool_of(backend: LibvirtVolumeBackend) -> libvirt.virStoragePool:
    return backend._pool  # the tests look at what libvirt itself holds


def pool_path(backend: LibvirtVolumeBackend) -> Path:
    xml = pool_of(backend).XMLDesc(0)
    return Path(xml.split("<path>")[1].split("</path>")[0])


def names_in_pool(backend: LibvirtVolumeBackend) -> set[str]:
    pool = pool_of(backend)
    pool.refresh(0)
    return set(pool.listVolumes())


def test_the_adapter_implements_the_port(backend: LibvirtVolumeBackend) -> None:
    port: VolumeBackend = backend  # checked by mypy against the Protocol
    assert port.info(uuid.uuid4()) is None


def test_a_missing_pool_is_defined_built_started_and_autostarted(
    backend: LibvirtVolumeBackend, tmp_path: Path
) -> None:
    pool = pool_of(backend)
    assert pool.isActive() and pool.autostart()
    assert f"<path>{tmp_path / 'pool'}</path>" in pool.XMLDesc(0)
    # A second backend (another worker, a restart) uses the pool as it finds it.
    uri = pool.connect().getURI()
    with LibvirtVolumeBackend(uri, pool.name(), tmp_path / "elsewhere") as again:
        volume_id = uuid.uuid4()
        backend.create(volume_id, 1)
        assert again.info(volume_id) == backend.info(volume_id)
    assert not (tmp_path / "elsewhere").exists()


def test_an_existing_pool_is_used_as_configured(tmp_path: Path) -> None:
    # test:///default comes with a dir pool at /default-pool (in memory only).
    with LibvirtVolumeBackend(TEST_URI, "default-pool", tmp_path / "unused") as backend:
        volume_id = uuid.uuid4()
        try:
            info = backend.create(volume_id, 2)
            assert info.path == Path("/default-pool") / str(volume_id)
        finally:
            backend.delete(volume_id)
        assert backend.info(volume_id) is None


def test_an_unusable_uri_is_a_volume_backend_error(tmp_path: Path) -> None:
    with pytest.raises(VolumeBackendError):
        LibvirtVolumeBackend(f"test://{tmp_path}/no-such-node.xml", "pool", tmp_path)


def test_create_an_empty_volume_twice_makes_one(backend: LibvirtVolumeBackend) -> None:
    volume_id = uuid.uuid4()
    info = backend.create(volume_id, 1)
    assert info == VolumeInfo(pool_path(backend) / str(volume_id), GIB, "raw")
    assert info.size_gib == 1
    assert backend.create(volume_id, 5) == info  # a replay finds the volume, as it is
    assert backend.info(volume_id) == info
    assert backend.list_volumes() == {volume_id: info}


def test_a_volume_needs_a_positive_size(backend: LibvirtVolumeBackend) -> None:
    with pytest.raises(VolumeBackendError):
        backend.create(uuid.uuid4(), 0)
    assert backend.list_volumes() == {}


def test_create_from_an_image_grows_it_to_the_volume_size(
    backend: LibvirtVolumeBackend, make_image: ImageMaker
) -> None:
    image = make_image(64, "qcow2", {0: b"SKYLEDGER-IMAGE"})
    volume_id = uuid.uuid4()
    info = backend.create(volume_id, 2, source=image, source_format="qcow2")
    assert (info.capacity_bytes, info.format) == (2 * GIB, "raw")
    assert backend.create(volume_id, 2, source=image) == info
    assert names_in_pool(backend) == {str(volume_id)}  # no staging volume left behind


def test_an_image_bigger_than_the_volume_is_refused_and_leaves_nothing(
    backend: LibvirtVolumeBackend, make_image: ImageMaker
) -> None:
    image = make_image(1024 + 1, "qcow2")  # one MiB more than the volume's 1 GiB
    with pytest.raises(ImageTooLarge) as refused:
        backend.create(uuid.uuid4(), 1, source=image)
    assert refused.value.virtual_size_bytes == GIB + MIB
    assert "does not fit in a volume of 1 GiB" in str(refused.value)
    assert names_in_pool(backend) == set()


def test_an_image_with_a_backing_file_is_refused(
    backend: LibvirtVolumeBackend, make_image: ImageMaker, tmp_path: Path
) -> None:
    base = make_image(16, "raw", {0: b"a host file the user must not read"})
    overlay = tmp_path / "overlay.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "raw",
                    str(overlay)], check=True)
    with pytest.raises(UnsafeImage):
        backend.create(uuid.uuid4(), 1, source=overlay, source_format="qcow2")
    assert names_in_pool(backend) == set()


def test_a_file_that_is_no_image_of_the_given_format_is_an_error(
    backend: LibvirtVolumeBackend, tmp_path: Path
) -> None:
    not_qcow2 = tmp_path / "text.qcow2"
    not_qcow2.write_text("not an image\n")
    with pytest.raises(VolumeBackendError, match="qemu-img info failed"):
        backend.create(uuid.uuid4(), 1, source=not_qcow2, source_format="qcow2")
    assert names_in_pool(backend) == set()


def test_a_staging_volume_left_by_a_crash_is_discarded(
    backend: LibvirtVolumeBackend, make_image: ImageMaker
) -> None:
    volume_id, image = uuid.uuid4(), make_image(8, "qcow2")
    backend.create(uuid.UUID(int=volume_id.int ^ 1), 1)  # a neighbour, which must stay
    stale = f"{volume_id}.partial"
    pool_of(backend).createXML(
        f"<volume><name>{stale}</name><capacity>4096</capacity></volume>", 0
    )
    assert volume_id not in backend.list_volumes()  # a staging volume is not a volume

    backend.create(volume_id, 1, source=image)
    assert names_in_pool(backend) == {str(volume_id), str(uuid.UUID(int=volume_id.int ^ 1))}

    pool_of(backend).createXML(f"<volume><name>{stale}</name><capacity>1</capacity></volume>", 0)
    backend.delete(volume_id)  # a delete after a crashed create removes the staging volume too
    assert names_in_pool(backend) == {str(uuid.UUID(int=volume_id.int ^ 1))}


def test_extend_only_grows(backend: LibvirtVolumeBackend) -> None:
    volume_id = uuid.uuid4()
    backend.create(volume_id, 1)
    assert backend.extend(volume_id, 3).capacity_bytes == 3 * GIB
    assert backend.extend(volume_id, 3).capacity_bytes == 3 * GIB  # a replay: no change
    with pytest.raises(VolumeShrinkRefused):
        backend.extend(volume_id, 2)
    assert backend.info(volume_id).capacity_bytes == 3 * GIB  # type: ignore[union-attr]
    with pytest.raises(VolumeNotFound):
        backend.extend(uuid.uuid4(), 4)


def test_delete_twice_and_list_only_uuid_named_volumes(backend: LibvirtVolumeBackend) -> None:
    kept, deleted = uuid.uuid4(), uuid.uuid4()
    backend.create(kept, 1)
    backend.create(deleted, 1)
    pool = pool_of(backend)
    for foreign in ("notes", str(uuid.uuid4()).upper(), uuid.uuid4().hex):
        pool.createXML(f"<volume><name>{foreign}</name><capacity>512</capacity></volume>", 0)
    backend.delete(deleted)
    backend.delete(deleted)
    assert backend.info(deleted) is None
    assert set(backend.list_volumes()) == {kept}
    assert len(names_in_pool(backend)) == 4  # the foreign volumes are left alone


# -- on qemu:///system only: the volumes are real files ----------------------------------------
def test_volumes_are_sparse_raw_files_holding_the_image(
    qemu_backend: LibvirtVolumeBackend, make_image: ImageMaker
) -> None:
    marker = b"SKYLEDGER-IMAGE-DATA"
    image = make_image(64, "qcow2", {0: marker, 40 * MIB: marker})
    empty_id, from_image_id = uuid.uuid4(), uuid.uuid4()
    empty = qemu_backend.create(empty_id, 1)
    from_image = qemu_backend.create(from_image_id, 1, source=image)

    for info in (empty, from_image):
        stat = info.path.stat()
        assert stat.st_size == GIB
        assert stat.st_blocks * 512 < 16 * MIB  # sparse: only written blocks take space
    with from_image.path.open("rb") as disk:
        assert disk.read(len(marker)) == marker
        disk.seek(40 * MIB)
        assert disk.read(len(marker)) == marker
    with empty.path.open("rb") as disk:
        assert disk.read(4096) == bytes(4096)

    grown = qemu_backend.extend(from_image_id, 2)
    assert grown.path.stat().st_size == 2 * GIB
    with grown.path.open("rb") as disk:
        assert disk.read(len(marker)) == marker  # extend keeps the data

    qemu_backend.delete(from_image_id)
    assert not from_image.path.exists()


def test_export_writes_the_volumes_data_into_an_image_file(
    qemu_backend: LibvirtVolumeBackend, make_image: ImageMaker, tmp_path: Path
) -> None:
    """os-volume_upload_image's copy: the volume's bytes, in the image format asked for."""
    marker = b"SKYLEDGER-VOLUME-DATA"
    volume_id = uuid.uuid4()
    qemu_backend.create(volume_id, 1, source=make_image(8, "qcow2", {4 * MIB: marker}))
    image = tmp_path / "exported.qcow2"
    qemu_backend.export_image(volume_id, image, "qcow2")
    raw = tmp_path / "back.raw"
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(image), str(raw)],
                   check=True)
    with raw.open("rb") as disk:
        assert raw.stat().st_size == GIB
        disk.seek(4 * MIB)
        assert disk.read(len(marker)) == marker
    with pytest.raises(VolumeNotFound):
        qemu_backend.export_image(uuid.uuid4(), tmp_path / "none.raw", "raw")


def test_a_volume_file_removed_behind_the_pools_back_is_gone(
    qemu_backend: LibvirtVolumeBackend,
) -> None:
    kept, removed = uuid.uuid4(), uuid.uuid4()
    qemu_backend.create(kept, 1)
    os.unlink(qemu_backend.create(removed, 1).path)
    assert qemu_backend.info(removed) is None
    assert set(qemu_backend.list_volumes()) == {kept}
    qemu_backend.delete(removed)  # and deleting it is still fine

