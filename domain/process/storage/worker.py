"""The volume worker: one storage host's process manager between the event log and its pool.

What the compute worker is to instances, this is to volumes. It pulls the notification log from
a tracked position (key `volume-worker:<host>`; on PostgreSQL a NOTIFY only wakes it early) and
for each volume request on its host (`Volume.host`) it loads the volume, decides from its current
status what to do (plans.decide), carries it out through the VolumeBackend backend and
records the outcome (`created`/`create_failed`, `extended`/`extend_failed`,
`deleted`/`delete_failed`). Only then does the position move past the event. Every backend call
is idempotent by volume id and every outcome is recorded only while the volume still waits for
it, so a worker killed at any instant replays from its position and converges: no second
volume, no second event.

Between batches it runs the reconciler (volume_reconciler.py), in the same thread: nothing this
worker does to a volume is half done while the reconciler looks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from domain.app import SkyLedger
from domain.base import Entity
from domain.context import RequestContext
from domain.process.backends import ImageFiles, PositionStore
from domain.process.effects import recording
from domain.process.loop import FollowerLoop
from domain.process.storage.backups import TOPICS as BACKUP_TOPICS
from domain.process.storage.backups import BackupWork
from domain.process.storage.plans import KINDS, REQUEST_EVENTS, TOPICS, Kind, Plan, decide
from domain.process.storage.reconciler import VolumeReconciler
from domain.process.storage.snapshots import TOPICS as SNAPSHOT_TOPICS
from domain.process.storage.snapshots import SnapshotWork
from domain.process.storage.uploads import TOPICS as UPLOAD_TOPICS
from domain.process.storage.uploads import UploadWork
from domain.services.storage.backups import BackupService
from domain.services.storage.hosts import Capacity, StorageHosts
from domain.services.storage.outcomes import VolumeOutcomes
from domain.services.storage.snapshots import VolumeSnapshotService
from domain.services.storage.uploads import VolumeUploadCommands
from domain.storage.backends import BackupStore, VolumeBackend, VolumeBackendError

log = logging.getLogger(__name__)
GIB = 2**30


@dataclass(frozen=True)
class VolumeWorkerConfig:
    host: str  # the storage host: volumes whose `host` is this one are this worker's
    backend: str = "skyledger-volumes"  # its pool: Cinder's backend (volume_backend_name)
    availability_zone: str = "nova"
    poll_interval: float = 0.2  # seconds between looks at the log when nothing woke us
    reconcile_interval: float = 10.0
    report_interval: float = 10.0  # seconds between the service's heartbeats
    batch_size: int = 100

    @property
    def position_name(self) -> str:
        """The tracking position's key: one per host, whichever process runs its worker."""
        return f"volume-worker:{self.host}"

    @property
    def user_id(self) -> str:
        """Who the events this worker records say did it."""
        return f"volume:{self.host}"


class VolumeWorker(FollowerLoop):
    role = "volume worker"
    topics = TOPICS + SNAPSHOT_TOPICS + BACKUP_TOPICS + UPLOAD_TOPICS

    def __init__(self, app: SkyLedger, backend: VolumeBackend, outcomes: VolumeOutcomes,
                 positions: PositionStore, files: ImageFiles, config: VolumeWorkerConfig,
                 clock: Callable[[], float] = time.monotonic,
                 backups: BackupStore | None = None) -> None:
        """`backups`: this host's backup store (None: backups are not this worker's job)."""
        self.app, self.backend, self.outcomes = app, backend, outcomes
        self.services, self._registered, self._next_beat = StorageHosts(app), False, 0.0
        self.positions, self.files, self.config, self.clock = positions, files, config, clock
        self.host = config.host
        self.snapshots = SnapshotWork(backend, VolumeSnapshotService(app), self.host)
        self.backups = BackupWork(backend, backups, BackupService(app), self.host) \
            if backups is not None else None
        self.uploads = UploadWork(backend, files, VolumeUploadCommands(app), self.host)
        self.reconciler = VolumeReconciler(app, backend, outcomes, self.host, self.catch_up,
                                           config.user_id)
        self.position = positions.get(config.position_name)
        self._next_reconcile = 0.0
        super().__init__()

    def handle(self, event: Entity.Event) -> bool:
        if self.backups is not None and self.backups.handles(event):
            backup = self.backups.due(event)
            if backup is None:
                return False
            with recording(self.context_of(event)) as traced:
                self.backups.carry_out(backup, traced)
            return True
        if self.snapshots.handles(event):
            snapshot = self.snapshots.due(event)
            if snapshot is None:
                return False
            with recording(self.context_of(event)) as traced:
                self.snapshots.carry_out(snapshot, traced)
            return True
        if self.uploads.handles(event):
            work = self.uploads.due(event)
            if work is None:
                return False
            with recording(self.context_of(event)) as traced:
                self.uploads.carry_out(*work, traced)
            return True
        kind = KINDS.get(type(event))
        if kind is None or (kind is Kind.CREATE and getattr(event, "host", None) != self.host):
            return False
        plan = decide(kind, self.outcomes.load(event.originator_id), self.host)
        if plan is None or self.superseded(event):
            return False  # a newer request is pending: acting on it is its own event's job
        ctx = self.context_of(event)
        log.info("host %s: %s volume %s (%s)", self.host, plan.kind.value, plan.volume_id,
                 ctx.request_id)
        with recording(ctx) as traced:  # its outcome events carry what was done
            self.carry_out(plan, traced)
        return True

    def context_of(self, event: Entity.Event) -> RequestContext:
        """The worker acts under the request id of the event that asked for it."""
        meta = getattr(event, "meta", None) or {}
        return RequestContext(user_id=self.config.user_id, project_id=meta.get("project_id"),
                              request_id=str(meta.get("request_id") or "req-unknown"))

    def superseded(self, event: Entity.Event) -> bool:
        """Whether a later request was made of this volume: its current status then belongs
        to that request, which is acted on under its own request id when its event comes up."""
        later = self.app.repository.event_store.get(event.originator_id,
                                                    gt=event.originator_version)
        return any(isinstance(e, REQUEST_EVENTS) for e in later)

    # -- carrying out a plan -------------------------------------------------------------------
    def carry_out(self, plan: Plan, ctx: RequestContext) -> None:
        """One backend action and its outcome. A backend failure is the outcome (recorded as
        such); anything else (the event store down) propagates, and the loop retries from the
        tracked position."""
        volume_id = plan.volume_id
        try:
            if plan.kind is Kind.CREATE and plan.source is not None:
                info = self.backend.copy(volume_id, plan.size_gib, plan.source)
                self.outcomes.created(ctx, volume_id, str(info.path))
            elif plan.kind is Kind.CREATE:
                source, source_format = self.source_of(plan)
                info = self.backend.create(volume_id, plan.size_gib, source, source_format)
                self.outcomes.created(ctx, volume_id, str(info.path))
            elif plan.kind is Kind.EXTEND:
                self.backend.extend(volume_id, plan.size_gib)
                self.outcomes.extended(ctx, volume_id, plan.size_gib)
            else:
                self.backend.delete(volume_id)
                self.outcomes.deleted(ctx, volume_id)
        except VolumeBackendError as error:
            reason = str(error) or type(error).__name__
            log.warning("host %s: %s of volume %s failed: %s", self.host, plan.kind.value,
                        volume_id, reason)
            if plan.kind is Kind.CREATE:
                self.outcomes.create_failed(ctx, volume_id, reason)
            elif plan.kind is Kind.EXTEND:
                self.outcomes.extend_failed(ctx, volume_id, reason)
            else:
                self.outcomes.delete_failed(ctx, volume_id, reason)

    def source_of(self, plan: Plan) -> tuple[Path | None, str | None]:
        """The image file a volume is made from, as this host's image store holds it."""
        if plan.missing_image is not None:
            raise VolumeBackendError(plan.missing_image)
        if plan.image is None:
            return None, None
        if not self.files.exists(plan.image.content_hash):
            raise VolumeBackendError(f"the image file {plan.image.content_hash} is not in the "
                                     f"image store of host {self.host}")
        return Path(self.files.path(plan.image.content_hash)), plan.image.qemu_format

    # -- the service's liveness ----------------------------------------------------------------
    def report(self) -> None:
        """Register the volume service, then beat with the pool's capacity. In the loop's own
        thread: a beat is due only between actions, and a long one (a large image converted)
        may make the service look down for a while, which is what it then is for new work."""
        ctx = RequestContext(user_id=self.config.user_id)
        try:
            total, free = self.backend.capacity()
            capacity = Capacity(round(total / GIB, 2), round(free / GIB, 2))
            if self._registered:
                self.services.heartbeat(ctx, self.host, capacity)
            else:
                self.services.register(ctx, self.host, self.config.backend,
                                       self.config.availability_zone, capacity)
                self._registered = True
        except Exception:  # noqa: BLE001 - the next interval tries again
            log.exception("host %s: volume service registration or heartbeat failed",
                          self.host)

    # -- the loop ------------------------------------------------------------------------------
    def run_once(self) -> None:
        self.follow_log()
        now = self.clock()
        if now >= self._next_beat:
            self.report()
            self._next_beat = now + self.config.report_interval
        if now >= self._next_reconcile:
            self.reconciler.run()
            self._next_reconcile = now + self.config.reconcile_interval
