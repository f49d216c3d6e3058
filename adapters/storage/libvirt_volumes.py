"""The VolumeBackend port over a libvirt storage pool, for any URI: test:///default (no files
are made: the test driver keeps volumes in memory) or qemu:///system.

Volumes are raw and named after their uuid. One made from an image is first written into a
staging volume `<uuid>.partial` and only then copied under its own name (grown to its size by
the copy), so a worker killed mid-conversion never leaves a half-written volume under the uuid
that a replayed `create` would take for finished; the replay discards the staging volume and
starts again.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import libvirt

from adapters.hypervisor.reconnect import Reconnecting, reconnecting
from adapters.storage import images, volume_streams
from adapters.storage.pool import (
    FILE_POOL_TYPES,
    ensure_pool,
    pool_type,
    volume_format,
    volume_xml,
)
from domain.process.effects import record
from domain.storage.backends import (
    GIB,
    ImageTooLarge,
    SourceRef,
    VolumeBackendError,
    VolumeInfo,
    VolumeNotFound,
    VolumeShrinkRefused,
)

STAGING_SUFFIX = ".partial"
# Snapshots are pool volumes too, named apart so that no listing of volumes takes them for one.
SNAPSHOT_PREFIX = "snapshot-"

# Callers of the port catch VolumeBackendError, never a libvirt type. A call on a connection that
# libvirtd's restart killed is made once more on a new one (adapters/hypervisor/reconnect.py).
_translated = reconnecting(VolumeBackendError)


class LibvirtVolumeBackend(Reconnecting):
    @_translated
    def __init__(self, uri: str, pool_name: str, pool_dir: Path) -> None:
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # we raise; that is enough
        self._pool_name, self._pool_dir = pool_name, pool_dir
        self._conn = self._open(uri)
        try:
            # The test driver has no volume resize and makes no files (sic: it says TEST).
            self._is_test = self._conn.getType() == "TEST"
            self._pool = ensure_pool(self._conn, pool_name, pool_dir)
            self._sparse = pool_type(self._pool) in FILE_POOL_TYPES
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        self._conn.close()

    def _reconnected_after(self, error: libvirt.libvirtError) -> bool:
        if not super()._reconnected_after(error):
            return False
        # The pool object belonged to the dead connection: look it up on the new one.
        self._pool = ensure_pool(self._conn, self._pool_name, self._pool_dir)
        return True

    def __enter__(self) -> LibvirtVolumeBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @_translated
    def create(
        self,
        volume_id: UUID,
        size_gib: int,
        source: Path | None = None,
        source_format: str | None = None,
    ) -> VolumeInfo:
        if size_gib < 1:
            raise VolumeBackendError(f"a volume needs at least 1 GiB, not {size_gib}")
        volume = self._lookup(str(volume_id))
        if volume is None:
            if source is None:
                volume = self._create_volume(str(volume_id), size_gib * GIB)
            else:
                volume = self._create_from_image(volume_id, size_gib, source, source_format)
        return _info_of(volume)

    @_translated
    def delete(self, volume_id: UUID) -> None:
        for name in (str(volume_id), f"{volume_id}{STAGING_SUFFIX}"):
            volume = self._lookup(name)
            if volume is not None:
                _delete(volume)

    @_translated
    def extend(self, volume_id: UUID, size_gib: int) -> VolumeInfo:
        volume = self._lookup(str(volume_id))
        if volume is None:
            raise VolumeNotFound(volume_id)
        capacity, wanted = volume.info()[1], size_gib * GIB
        if wanted < capacity:
            raise VolumeShrinkRefused(volume_id, capacity, size_gib)
        if wanted > capacity:
            if self._is_test:
                # No virStorageVolResize in the test driver; its volumes hold no data either,
                # so making it again at the new size is all a resize would do there.
                _delete(volume)
                volume = self._create_volume(str(volume_id), wanted)
            else:
                volume.resize(wanted, 0)  # sparse where the pool allows it, data kept
                record("libvirt", "storageVolResize", volume.name(), bytes=wanted)
        return _info_of(volume)

    @_translated
    def copy(self, volume_id: UUID, size_gib: int, source: SourceRef) -> VolumeInfo:
        volume = self._lookup(str(volume_id))
        if volume is None:
            name = snapshot_name(source.id) if source.snapshot else str(source.id)
            volume = self._copy(str(volume_id), name, size_gib * GIB)
        return _info_of(volume)

    @_translated
    def snapshot(self, snapshot_id: UUID, volume_id: UUID) -> VolumeInfo:
        made = self._lookup(snapshot_name(snapshot_id))
        if made is None:
            source = self._lookup(str(volume_id))
            if source is None:
                raise VolumeNotFound(volume_id)
            made = self._copy(snapshot_name(snapshot_id), str(volume_id), source.info()[1])
        return _info_of(made)

    @_translated
    def delete_snapshot(self, snapshot_id: UUID) -> None:
        for name in (snapshot_name(snapshot_id), f"{snapshot_name(snapshot_id)}{STAGING_SUFFIX}"):
            volume = self._lookup(name)
            if volume is not None:
                _delete(volume)

    @_translated
    def export(self, source: SourceRef, destination: Path) -> None:
        name = snapshot_name(source.id) if source.snapshot else str(source.id)
        volume = self._lookup(name)
        if volume is None:
            raise VolumeNotFound(source.id)
        try:
            volume_streams.download(self._conn, volume, destination, self._is_test)
        except OSError as error:
            raise VolumeBackendError(f"copying {name} to {destination}: {error}") from error

    @_translated
    def restore(self, volume_id: UUID, size_gib: int, source: Path) -> VolumeInfo:
        volume = self._lookup(str(volume_id)) or self._create_volume(str(volume_id),
                                                                     size_gib * GIB)
        try:
            length = source.stat().st_size
            if length > volume.info()[1]:
                raise VolumeBackendError(f"the backup holds {length} bytes; volume {volume_id} "
                                         f"of {volume.info()[1]} bytes cannot hold it")
            volume_streams.upload(self._conn, volume, source, self._is_test)
        except OSError as error:
            raise VolumeBackendError(f"writing {source} into {volume_id}: {error}") from error
        return _info_of(volume)

    def _copy(self, name: str, source_name: str, capacity_bytes: int) -> libvirt.virStorageVol:
        """A full copy of a pool volume (libvirt copies the data; the test driver only makes
        the volume), at capacity_bytes. It is written under a staging name first, so a worker
        killed mid-copy leaves no half copy under the name a replay takes for finished; the
        second copy from staging to the name is what a pool without rename costs for that."""
        source = self._lookup(source_name)
        if source is None:
            raise VolumeBackendError(f"no volume {source_name} in the pool to copy from")
        if capacity_bytes < source.info()[1]:
            raise VolumeBackendError(f"{source_name} holds {source.info()[1]} bytes; a copy "
                                     f"of {capacity_bytes} bytes cannot hold it")
        staging_name = f"{name}{STAGING_SUFFIX}"
        stale = self._lookup(staging_name)
        if stale is not None:
            _delete(stale)
        xml = volume_xml(staging_name, capacity_bytes, self._sparse)
        staging = self._pool.createXMLFrom(xml, source, 0)
        record("libvirt", "storageVolCreateXMLFrom", staging_name, source=source_name,
               pool=self._pool.name(), bytes=capacity_bytes)
        try:
            made = self._pool.createXMLFrom(volume_xml(name, capacity_bytes, self._sparse),
                                            staging, 0)
            record("libvirt", "storageVolCreateXMLFrom", name, source=staging_name,
                   pool=self._pool.name(), bytes=capacity_bytes)
            return made
        finally:
            _delete(staging)

    @_translated
    def export_image(self, volume_id: UUID, target: Path, target_format: str) -> None:
        volume = self._lookup(str(volume_id))
        if volume is None:
            raise VolumeNotFound(volume_id)
        capacity = volume.info()[1]
        images.export(None if self._is_test else volume.path(), capacity, target,
                      target_format)
        record("qemu-img", "convert", str(volume_id), image=target.name, format=target_format)

    @_translated
    def info(self, volume_id: UUID) -> VolumeInfo | None:
        volume = self._lookup(str(volume_id))
        if volume is None:
            return None
        try:
            return _info_of(volume)
        except libvirt.libvirtError:
            # Its file may have been removed behind the pool's back: ask the pool again.
            self._refresh()
            volume = self._lookup(str(volume_id))
            return None if volume is None else _info_of(volume)

    @_translated
    def list_volumes(self) -> dict[UUID, VolumeInfo]:
        self._refresh()  # the pool's own list may predate files added or removed by others
        found = {}
        for volume in self._pool.listAllVolumes(0):
            volume_id = _volume_id(volume.name())
            if volume_id is None:
                continue  # someone else's file, or a staging volume
            try:
                found[volume_id] = _info_of(volume)
            except libvirt.libvirtError as error:
                if error.get_error_code() != libvirt.VIR_ERR_NO_STORAGE_VOL:
                    raise  # else: deleted while we listed
        return found

    @_translated
    def capacity(self) -> tuple[int, int]:
        self._refresh()
        _state, total, _allocation, available = self._pool.info()
        return int(total), int(available)

    def _create_from_image(
        self, volume_id: UUID, size_gib: int, source: Path, source_format: str | None
    ) -> libvirt.virStorageVol:
        facts = images.inspect(source, source_format)
        if facts.virtual_size_bytes > size_gib * GIB:
            raise ImageTooLarge(facts.virtual_size_bytes, size_gib)
        staging_name = f"{volume_id}{STAGING_SUFFIX}"
        stale = self._lookup(staging_name)
        if stale is not None:
            _delete(stale)  # left by an attempt that died half-way: its content is unknown
        staging = self._create_volume(staging_name, facts.virtual_size_bytes)
        try:
            if not self._is_test:
                images.convert_into(source, facts, staging.path())
                record("qemu-img", "convert", staging_name, image=source.name)
            # The copy is made at the volume's full size: growing it is part of the copy.
            wanted = volume_xml(str(volume_id), size_gib * GIB, self._sparse)
            made = self._pool.createXMLFrom(wanted, staging, 0)
            record("libvirt", "storageVolCreateXMLFrom", str(volume_id), source=staging_name,
                   pool=self._pool.name(), bytes=size_gib * GIB)
            return made
        finally:
            _delete(staging)

    def _create_volume(self, name: str, capacity_bytes: int) -> libvirt.virStorageVol:
        try:
            made = self._pool.createXML(volume_xml(name, capacity_bytes, self._sparse), 0)
        except libvirt.libvirtError as error:
            existing = self._lookup(name)  # made meanwhile by a concurrent call: that one stands
            if error.get_error_code() != libvirt.VIR_ERR_STORAGE_VOL_EXIST or existing is None:
                raise
            return existing
        record("libvirt", "storageVolCreateXML", name, pool=self._pool.name(),
               bytes=capacity_bytes)
        return made

    def _lookup(self, name: str) -> libvirt.virStorageVol | None:
        try:
            return self._pool.storageVolLookupByName(name)
        except libvirt.libvirtError as error:
            if error.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL:
                return None
            raise

    def _refresh(self) -> None:
        try:
            self._pool.refresh(0)
        except libvirt.libvirtError as error:
            # libvirt refuses to refresh while a volume is being built in the pool; the listing
            # it has is then the one we made ourselves, which is current enough.
            if "asynchronous jobs" not in str(error):
                raise


def snapshot_name(snapshot_id: UUID) -> str:
    return f"{SNAPSHOT_PREFIX}{snapshot_id}"


def _info_of(volume: libvirt.virStorageVol) -> VolumeInfo:
    _kind, capacity, _allocation = volume.info()
    return VolumeInfo(path=Path(volume.path()), capacity_bytes=capacity,
                      format=volume_format(volume))


def _delete(volume: libvirt.virStorageVol) -> None:
    name = volume.name()
    try:
        volume.delete(0)
    except libvirt.libvirtError as error:
        if error.get_error_code() != libvirt.VIR_ERR_NO_STORAGE_VOL:
            raise  # else: deleted meanwhile, which is what we wanted
        return
    record("libvirt", "storageVolDelete", name)


def _volume_id(name: str) -> UUID | None:
    try:
        volume_id = UUID(name)
    except ValueError:
        return None
    return volume_id if str(volume_id) == name else None  # UUID() also takes other spellings
