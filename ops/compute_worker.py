"""Wiring a compute worker for one host: settings -> adapters -> a running `ComputeHost`.

Two ways to run one: `skyledger compute` (its own process, its own event-store connections:
`open_compute`) and the embedded worker of `skyledger serve` (sharing the API's composed cloud:
`embedded_compute`). Both run the same three threads: the worker's loop (follow, act, reconcile,
console), the heartbeat, and on PostgreSQL a LISTEN that wakes the loop when events commit.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from adapters.blobs import FileBlobStore
from adapters.console_logs import ConsoleLogs
from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from adapters.network.vifs import PyrouteVifPlugger
from adapters.positions import ProcessPositions
from adapters.settings import Settings
from adapters.storage.lazy_pool import PoolOnFirstUse
from domain.app import SkyLedger
from domain.compute.ports import HypervisorError
from domain.process.compute_worker import ComputeWorker
from domain.process.config import WorkerConfig
from domain.process.drift import DriftService
from domain.process.liveness import Liveness
from domain.process.ports import VifPlugger
from domain.services.compute.hosts import HostService
from domain.services.compute.outcomes import OutcomeService
from domain.services.compute.placement import HostChooser
from domain.storage.ports import VolumeBackend
from ops.process_threads import all_alive, join_and_close, open_stores, start_threads
from projections.capacity import CapacityView
from projections.store import ReadStore

if TYPE_CHECKING:
    from ops.bootstrap import Cloud

log = logging.getLogger(__name__)


class HostBusy(RuntimeError):
    """Another worker already runs for this host (it holds the state directory's lock)."""


def state_dir_for(settings: Settings, host: str) -> Path:
    return settings.data_dir / "instances" / host


def worker_config(settings: Settings, host: str | None = None, **overrides: Any) -> WorkerConfig:
    config = WorkerConfig(host=host or settings.host,
                          availability_zone=settings.availability_zone,
                          cpu_ratio=settings.cpu_ratio, ram_ratio=settings.ram_ratio,
                          disk_ratio=settings.disk_ratio, report_interval=settings.report_interval)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def lock_host(state_dir: Path) -> IO[bytes]:
    """One worker per host: two would both act on every event of it. The lock is the kernel's,
    so it goes with the process, however that process ends."""
    state_dir.mkdir(parents=True, exist_ok=True)
    handle = open(state_dir / ".worker.lock", "a+b")  # noqa: SIM115 - held while the worker runs
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise HostBusy(f"another compute worker holds {state_dir}/.worker.lock") from None
    return handle


def volume_backend(settings: Settings, uri: str) -> PoolOnFirstUse:
    """The storage pool where this host makes the root volumes of volume-backed servers: the
    pool the volume worker uses (SKYLEDGER_VOLUME_POOL), on the worker's own libvirt unless
    SKYLEDGER_VOLUME_LIBVIRT_URI names another; opened on the first such spawn (a pool that
    cannot be opened fails that spawn, which is rescheduled elsewhere)."""
    return PoolOnFirstUse(settings.volume_libvirt_uri or uri, settings.volume_pool,
                          settings.volume_pool_path)


def vif_plugger(settings: Settings, uri: str) -> PyrouteVifPlugger | None:
    """Bridges for guest NICs, made in the namespace the hypervisor's guests live in; none for
    libvirt's test driver, whose guests have no host side."""
    if uri.startswith("test:"):
        return None
    return PyrouteVifPlugger(settings.network_namespace)


def assemble(app: SkyLedger, store: ReadStore, chooser: HostChooser, blobs: FileBlobStore,
             hypervisor: LibvirtHypervisor, config: WorkerConfig,
             vifs: VifPlugger | None = None,
             volumes: VolumeBackend | None = None) -> tuple[ComputeWorker, Liveness]:
    outcomes = OutcomeService(app, chooser)
    worker = ComputeWorker(app, hypervisor, outcomes, ProcessPositions(store), ConsoleLogs(store),
                           blobs, DriftService(app), config, vifs=vifs, volumes=volumes)
    return worker, Liveness(HostService(app), hypervisor, config)


@dataclass
class ComputeHost:
    """One host's running worker and what it must close when it stops."""

    worker: ComputeWorker
    liveness: Liveness
    closers: list[Callable[[], None]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> ComputeHost:
        heartbeat = (lambda: self.liveness.run(self._stop), "compute-heartbeat")
        self._threads = start_threads(self.worker, "compute-worker", [heartbeat])
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Let the current action finish and record its outcome, then close everything."""
        self.worker.stop()
        self._stop.set()
        join_and_close(self._threads, self.closers, timeout,
                       f"the compute worker of {self.worker.host}")

    @property
    def running(self) -> bool:
        """Every thread still up (a worker whose loop died must not look alive by its
        heartbeat: the scheduler would keep sending it instances)."""
        return all_alive(self._threads)


def open_compute(settings: Settings, host: str | None = None, uri: str | None = None,
                 state_dir: Path | None = None, **overrides: Any) -> ComputeHost:
    """A worker with its own connections to the event store (for `skyledger compute`)."""
    config = worker_config(settings, host, **overrides)
    state_dir = state_dir or state_dir_for(settings, config.host)
    lock = lock_host(state_dir)
    closers: list[Callable[[], None]] = [lock.close]
    try:
        app, store = open_stores(settings, closers)
        uri = uri or settings.libvirt_uri
        hypervisor = LibvirtHypervisor(uri, state_dir)
        closers.append(hypervisor.close)
        vifs = vif_plugger(settings, uri)
        if vifs is not None:
            closers.append(vifs.close)
        volumes = volume_backend(settings, uri)
        closers.append(volumes.close)
        capacity = CapacityView(app, settings.weighers(), down_after=settings.service_down_time)
        blobs = FileBlobStore(settings.data_dir / "images")
        worker, liveness = assemble(app, store, capacity, blobs, hypervisor, config, vifs,
                                    volumes)
    except BaseException:
        for close in reversed(closers):
            close()
        raise
    return ComputeHost(worker, liveness, closers)


def embedded_compute(cloud: Cloud, **overrides: Any) -> ComputeHost | None:
    """The worker `skyledger serve` runs for settings.libvirt_uri, sharing the API's cloud.
    None (and the API keeps serving) when the hypervisor cannot be opened."""
    settings = cloud.settings
    config = worker_config(settings, **overrides)
    state_dir = state_dir_for(settings, config.host)
    try:
        lock = lock_host(state_dir)
    except HostBusy as busy:
        log.error("embedded compute worker for %s not started: %s", config.host, busy)
        return None
    try:
        hypervisor = LibvirtHypervisor(settings.libvirt_uri, state_dir)
    except HypervisorError as error:
        lock.close()
        log.error("embedded compute worker for %s not started: %s", config.host, error)
        return None
    vifs = vif_plugger(settings, settings.libvirt_uri)
    volumes = volume_backend(settings, settings.libvirt_uri)
    worker, liveness = assemble(cloud.app, cloud.store, cloud.capacity, cloud.blobs, hypervisor,
                                config, vifs, volumes)
    closers = [lock.close, hypervisor.close] + ([vifs.close] if vifs is not None else []) + \
        [volumes.close]
    return ComputeHost(worker, liveness, closers).start()
