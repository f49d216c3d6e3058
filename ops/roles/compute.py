"""A compute worker running for one host (built by ops/bootstrap.py).

Two ways to run one: `skyledger compute` (a process of its own, with its own event-store
connections) and the embedded worker of `skyledger serve` (sharing the API's composition). Both
run the same three threads: the worker's loop (follow, act, reconcile, console), the heartbeat,
and on PostgreSQL a LISTEN that wakes the loop when events commit.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from adapters.settings import Settings
from domain.compute.backends import MigrationTarget
from domain.process.compute.config import WorkerConfig
from domain.process.compute.liveness import Liveness
from domain.process.compute.worker import ComputeWorker
from ops.process_threads import all_alive, join_and_close, lock_host_dir, start_threads


class HostBusy(RuntimeError):
    """Another worker already runs for this host (it holds the state directory's lock)."""


def state_dir_for(settings: Settings, host: str) -> Path:
    return settings.data_dir / "instances" / host


def worker_config(settings: Settings, host: str | None = None, **overrides: Any) -> WorkerConfig:
    config = WorkerConfig(host=host or settings.host,
                          availability_zone=settings.availability_zone,
                          cpu_ratio=settings.cpu_ratio, ram_ratio=settings.ram_ratio,
                          disk_ratio=settings.disk_ratio, report_interval=settings.report_interval,
                          reclaim_instance_interval=settings.reclaim_instance_interval)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def host_config(settings: Settings, host: str | None, state_dir: Path | None,
                **overrides: Any) -> tuple[WorkerConfig, Path]:
    """A compute host's worker configuration and state directory (default: under the data
    directory, by host name)."""
    config = worker_config(settings, host, **overrides)
    state_dir = state_dir or state_dir_for(settings, config.host)
    return with_incoming(config, settings, state_dir), state_dir


def with_incoming(config: WorkerConfig, settings: Settings, state_dir: Path) -> WorkerConfig:
    """The live-migration target this host advertises, from SKYLEDGER_LIVE_MIGRATION_URI and
    SKYLEDGER_LIVE_MIGRATION_ADDRESS (unset: it takes no live migrations)."""
    uri = settings.live_migration_uri
    if not uri or config.incoming is not None:
        return config
    address = settings.live_migration_address or urlsplit(uri).hostname
    return replace(config, incoming=MigrationTarget(uri, f"tcp://{address}",
                                                    state_dir.resolve()))


def lock_host(state_dir: Path) -> IO[bytes]:
    return lock_host_dir(state_dir, HostBusy, "compute worker")


@dataclass
class ComputeHost:
    """One host's running worker and what it must close when it stops."""

    worker: ComputeWorker
    liveness: Liveness
    resources: ExitStack = field(default_factory=ExitStack)
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
        join_and_close(self._threads, self.resources, timeout,
                       f"the compute worker of {self.worker.host}")

    @property
    def running(self) -> bool:
        """Every thread still up (a worker whose loop died must not look alive by its
        heartbeat: the scheduler would keep sending it instances)."""
        return all_alive(self._threads)
