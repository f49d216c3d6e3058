"""A volume worker running for one storage host (built by ops/bootstrap.py).

Two ways to run one, as for the compute worker: `skyledger volume` (a process of its own, with
its own event-store connections) and the embedded worker of `skyledger serve` (sharing the API's
composition). Both run the worker's loop (follow, act, reconcile) and on PostgreSQL a LISTEN
that wakes it when events commit.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from adapters.settings import Settings
from domain.process.storage.worker import VolumeWorker, VolumeWorkerConfig
from ops.process_threads import RunningLoop, lock_host_dir


class VolumeHostBusy(RuntimeError):
    """Another volume worker already runs for this host (it holds the host's lock file)."""


def lock_dir_for(settings: Settings, host: str) -> Path:
    # Not in the pool's directory: a dir pool lists every file in it as a volume.
    return settings.data_dir / "volume-workers" / host


def lock_volume_host(directory: Path) -> IO[bytes]:
    return lock_host_dir(directory, VolumeHostBusy, "volume worker")


def volume_config(settings: Settings, host: str | None = None,
                  **overrides: Any) -> VolumeWorkerConfig:
    config = VolumeWorkerConfig(host=host or settings.host, backend=settings.volume_pool,
                                availability_zone=settings.availability_zone,
                                report_interval=settings.report_interval)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


class VolumeHost(RunningLoop):
    """One storage host's running worker."""

    role = "volume worker"

    @property
    def worker(self) -> VolumeWorker:
        return self.loop  # type: ignore[no-any-return]
