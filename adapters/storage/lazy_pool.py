"""The volume pool as a compute worker needs it: opened on the first root volume it makes.

Opening a LibvirtVolumeBackend defines (and autostarts) the pool when libvirt has none of that
name; a hypervisor host that never boots a server from a volume must not get a pool that way.
A pool that cannot be opened fails that spawn (VolumeBackendError), which is then rescheduled.
"""

from __future__ import annotations

import threading
from pathlib import Path
from uuid import UUID

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.storage.backends import VolumeInfo


class PoolOnFirstUse:
    def __init__(self, uri: str, pool_name: str, pool_dir: Path) -> None:
        self.uri, self.pool_name, self.pool_dir = uri, pool_name, pool_dir
        self._backend: LibvirtVolumeBackend | None = None
        self._lock = threading.Lock()

    def create(self, volume_id: UUID, size_gib: int, source: Path | None = None,
               source_format: str | None = None) -> VolumeInfo:
        return self._opened().create(volume_id, size_gib, source, source_format)

    def delete(self, volume_id: UUID) -> None:
        """A failed spawn's root volume (domain/process/compute/root_volumes.py); only asked of
        a host that was to make one, so opening the pool for it is no surprise."""
        self._opened().delete(volume_id)

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    def _opened(self) -> LibvirtVolumeBackend:
        with self._lock:
            if self._backend is None:
                self._backend = LibvirtVolumeBackend(self.uri, self.pool_name, self.pool_dir)
            return self._backend
