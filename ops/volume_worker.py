"""Wiring a volume worker for one storage host: settings -> adapters -> a running `VolumeHost`.

Two ways to run one, as for the compute worker: `skyledger volume` (its own process, its own
event-store connections: `open_volume_worker`) and the embedded worker of `skyledger serve`
(sharing the API's composed cloud: `embedded_volume_worker`). Both run the worker's loop
(follow, act, reconcile) and on PostgreSQL a LISTEN that wakes it when events commit.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from adapters.blobs import FileBlobStore
from adapters.positions import ProcessPositions
from adapters.settings import Settings
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.app import SkyLedger
from domain.process.volume_worker import VolumeWorker, VolumeWorkerConfig
from domain.services.storage.outcomes import VolumeOutcomes
from domain.services.storage.volumes import VolumeService
from domain.storage.ports import VolumeBackendError
from ops.process_threads import RunningLoop, open_stores
from projections.store import ReadStore

if TYPE_CHECKING:
    from ops.bootstrap import Cloud

log = logging.getLogger(__name__)


class VolumeHostBusy(RuntimeError):
    """Another volume worker already runs for this host (it holds the host's lock file)."""


def lock_dir_for(settings: Settings, host: str) -> Path:
    # Not in the pool's directory: a dir pool lists every file in it as a volume.
    return settings.data_dir / "volume-workers" / host


def lock_volume_host(directory: Path) -> IO[bytes]:
    """One worker per storage host: two would both act on every request. The lock is the
    kernel's, so it goes with the process, however that process ends."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = open(directory / ".worker.lock", "a+b")  # noqa: SIM115 - held while it runs
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise VolumeHostBusy(f"another volume worker holds {directory}/.worker.lock") from None
    return handle


def volume_config(settings: Settings, host: str | None = None,
                  **overrides: Any) -> VolumeWorkerConfig:
    config = VolumeWorkerConfig(host=host or settings.host)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def open_backend(settings: Settings, uri: str | None = None, pool: str | None = None,
                 pool_dir: Path | None = None) -> LibvirtVolumeBackend:
    return LibvirtVolumeBackend(uri or settings.volume_uri, pool or settings.volume_pool,
                                pool_dir or settings.volume_pool_path)


def assemble(app: SkyLedger, store: ReadStore, blobs: FileBlobStore,
             backend: LibvirtVolumeBackend, config: VolumeWorkerConfig,
             outcomes: VolumeOutcomes) -> VolumeWorker:
    return VolumeWorker(app, backend, outcomes, ProcessPositions(store), blobs, config)


class VolumeHost(RunningLoop):
    """One storage host's running worker."""

    role = "volume worker"

    @property
    def worker(self) -> VolumeWorker:
        return self.loop  # type: ignore[no-any-return]


def open_volume_worker(settings: Settings, host: str | None = None, uri: str | None = None,
                       pool: str | None = None, pool_dir: Path | None = None,
                       **overrides: Any) -> VolumeHost:
    """A worker with its own connections to the event store (for `skyledger volume`)."""
    config = volume_config(settings, host, **overrides)
    lock = lock_volume_host(lock_dir_for(settings, config.host))
    closers: list[Callable[[], None]] = [lock.close]
    try:
        app, store = open_stores(settings, closers)
        backend = open_backend(settings, uri, pool, pool_dir)
        closers.append(backend.close)
        blobs = FileBlobStore(settings.data_dir / "images")
        outcomes = VolumeService(app, settings.availability_zone, host=config.host)
        worker = assemble(app, store, blobs, backend, config, outcomes)
    except BaseException:
        for close in reversed(closers):
            close()
        raise
    return VolumeHost(worker, closers)


def embedded_volume_worker(cloud: Cloud, **overrides: Any) -> VolumeHost | None:
    """The worker `skyledger serve` runs for this host's pool, sharing the API's cloud. None
    (and the API keeps serving) when the pool cannot be opened or another worker has it."""
    settings = cloud.settings
    config = volume_config(settings, **overrides)
    try:
        lock = lock_volume_host(lock_dir_for(settings, config.host))
    except VolumeHostBusy as busy:
        log.error("embedded volume worker for %s not started: %s", config.host, busy)
        return None
    try:
        backend = open_backend(settings)
    except VolumeBackendError as error:
        lock.close()
        log.error("embedded volume worker for %s not started: %s", config.host, error)
        return None
    worker = assemble(cloud.app, cloud.store, cloud.blobs, backend, config, cloud.volumes)
    return VolumeHost(worker, [lock.close, backend.close]).start()
