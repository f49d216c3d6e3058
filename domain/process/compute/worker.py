"""The compute worker: one host's process manager between the event log and its hypervisor.

It pulls the notification log from a tracked position (SQLite cannot push; on PostgreSQL a
NOTIFY only wakes it up early), and for each instance event that may concern its host it loads
the instance, decides a plan from the instance's current state (plans.py), carries it out through
the hypervisor port and records the outcome as an event. Only then does the position move past
the event. A worker killed at any instant therefore replays from its position on restart, and
because every step is keyed by the instance uuid and every decision is made on current state,
the replay finds the guest it already made, re-records nothing already recorded, and converges.

Between batches it runs the reconciler and refreshes console output, in the same thread: nothing
this worker does to a guest is ever half done while the reconciler looks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from domain.app import SkyLedger
from domain.base import Entity
from domain.catalog.image import Image
from domain.compute.backends import GuestSpec, Hypervisor
from domain.compute.copies import ImageCopy
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.network.network import Network
from domain.process.backends import (
    ConsoleSink,
    ImageFiles,
    NoVifPlugging,
    PositionStore,
    VifPlugger,
)
from domain.process.compute.config import WorkerConfig
from domain.process.compute.consoles import ConsoleRefresher
from domain.process.compute.crash_dump import TOPICS as CRASH_DUMP_TOPICS
from domain.process.compute.crash_dump import CrashDumper
from domain.process.compute.diagnostics import TOPICS as DIAGNOSTICS_TOPICS
from domain.process.compute.diagnostics import DiagnosticsReader
from domain.process.compute.drift import DriftService
from domain.process.compute.executor import Executor
from domain.process.compute.guest_facts import drive_files
from domain.process.compute.image_cache import TOPICS as CACHE_TOPICS
from domain.process.compute.image_cache import ImageCacher
from domain.process.compute.image_capture import SnapshotTaker
from domain.process.compute.plans import Spawn, decide
from domain.process.compute.reclaimer import Reclaimer
from domain.process.compute.reconciler import Reconciler
from domain.process.compute.root_volumes import RootVolumes
from domain.process.compute.specs import guest_spec
from domain.process.compute.triggers import REQUEST_EVENTS, REQUESTS, TOPICS, Trigger, trigger_of
from domain.process.compute.volume_attachments import TOPICS as VOLUME_TOPICS
from domain.process.compute.volume_attachments import VolumeAttacher, guest_volumes
from domain.process.compute.volume_resize import TOPICS as RESIZE_TOPICS
from domain.process.compute.volume_resize import VolumeResizer
from domain.process.effects import recording
from domain.process.host_changes import HostChanges
from domain.process.loop import FollowerLoop
from domain.services.compute.copies import image_copy
from domain.services.compute.crash_dump import CrashDumpService
from domain.services.compute.diagnostics import DiagnosticsService
from domain.services.compute.outcomes import OutcomeService
from domain.services.storage.volumes import VolumeService
from domain.storage.backends import RootVolumeBackend

log = logging.getLogger(__name__)


class ComputeWorker(FollowerLoop):
    role = "worker"
    topics = (TOPICS + VOLUME_TOPICS + RESIZE_TOPICS + CACHE_TOPICS + DIAGNOSTICS_TOPICS
              + CRASH_DUMP_TOPICS)

    def __init__(self, app: SkyLedger, hypervisor: Hypervisor, outcomes: OutcomeService,
                 positions: PositionStore, consoles: ConsoleSink, files: ImageFiles,
                 drift: DriftService, config: WorkerConfig,
                 clock: Callable[[], float] = time.monotonic,
                 vifs: VifPlugger | None = None,
                 volumes: RootVolumeBackend | None = None) -> None:
        """`volumes`: this host's storage pool, where volume-backed servers' new root volumes
        are made (root_volumes.py)."""
        self.app, self.hypervisor, self.positions = app, hypervisor, positions
        self.roots = RootVolumes(app, volumes, files, config.host)
        self.vifs = vifs or NoVifPlugging()
        self.files, self.config, self.clock = files, config, clock
        self.host = config.host
        self.executor = Executor(hypervisor, outcomes, self.spec_for, self.host,
                                 config.stop_timeout, self._guest_changed,
                                 SnapshotTaker(hypervisor, files), self.roots.discard,
                                 self.roots.reimage, config.incoming)
        self.consoles = ConsoleRefresher(hypervisor, consoles, self.host)
        self.attacher = VolumeAttacher(app, hypervisor, VolumeService(app), self.host,
                                       config.user_id)
        self.resizer = VolumeResizer(app, hypervisor, self.host, config.user_id)
        self.reconciler = Reconciler(app, hypervisor, outcomes, drift, self.host, self.catch_up,
                                     config.destroy_unknown_guests, self.consoles.forget)
        self.changes = HostChanges(app)
        self.cacher = ImageCacher(self.changes, files, self.host, config.user_id, self.find_image,
                                  hypervisor.cache_image)
        self.diagnostics = DiagnosticsReader(DiagnosticsService(app), hypervisor, self.host,
                                             config.user_id)
        self.crash_dumps = CrashDumper(CrashDumpService(app), hypervisor, self.host,
                                       config.user_id)
        self.position = positions.get(config.position_name)
        self.reclaimer = Reclaimer(app, self.host, config.reclaim_instance_interval,
                                   lambda: datetime.now(UTC), config.user_id) \
            if config.reclaim_instance_interval > 0 else None
        self.hosted: set[UUID] = set()  # guests whose console output this host publishes
        self._batch_instances: dict[UUID, Instance | None] = {}
        self._next_reconcile = self._next_console = 0.0
        super().__init__()

    def handle(self, event: Entity.Event) -> bool:
        trigger = trigger_of(event)
        # Not an instance's: a volume request or grown, images to cache, a host read, or none.
        if trigger is None:
            return (self.attacher.handle(event) or self.resizer.handle(event)
                    or self.cacher.handle(event) or self.diagnostics.handle(event)
                    or self.crash_dumps.handle(event))
        if not trigger.may_concern(self.host):
            return False
        instance = self.instance(trigger.instance_id)
        plan = decide(trigger, instance, self.host)
        if plan.empty or instance is None:
            return False
        self._batch_instances.pop(instance.id, None)  # acting records its outcome: load anew
        if plan.outcome is not None and trigger.kind in REQUESTS \
                and self.superseded(trigger, instance):
            return False  # a newer request is pending: acting on it is its own event's job
        what = plan.action or (plan.outcome.value if plan.outcome else "clean-up")
        log.info("host %s: %s instance %s (%s)", self.host, what, instance.id, trigger.request_id)
        ctx = RequestContext(user_id=self.config.user_id, project_id=trigger.project_id,
                             request_id=trigger.request_id)
        started = time.monotonic()
        with recording(ctx) as traced:  # its outcome events carry what was done
            self.executor.execute(plan, instance, traced)
            if plan.outcome is None and traced.effects:  # a clean-up has no outcome event
                self.changes.applied(traced, self.host, f"{trigger.kind.value} "
                                     f"{instance.id.hex} v{trigger.version}")
        # With the line above, how long each act took on this host: the first thing to read
        # when a guest's action seems stuck.
        log.info("host %s: %s instance %s done in %.1f s", self.host, what, instance.id,
                 time.monotonic() - started)
        return True

    def begin_batch(self) -> None:
        self._batch_instances = {}

    def instance(self, instance_id: UUID) -> Instance | None:
        """The instance as loaded once per batch: a boot's batch holds several of its events
        (requested, host claimed, ports attached), each a trigger. A load made after the batch
        was selected already holds every event in it, so the batch's later triggers decide on
        the same state a fresh load would show them, less what was committed since, which
        comes in a later batch. Acting on one drops it (its outcome is a new version)."""
        if instance_id not in self._batch_instances:
            found = self.app.find(instance_id)
            self._batch_instances[instance_id] = found if isinstance(found, Instance) else None
        return self._batch_instances[instance_id]

    def superseded(self, trigger: Trigger, instance: Instance) -> bool:
        """Whether a later request was made of this instance. The current state then belongs to
        that request, and it is recorded under that request's id when its event comes up.
        `instance` as loaded: when the trigger is its last event, nothing later was made of it
        when it was loaded, which is as late as this check needs (a request made since comes
        in a later batch), and the read is saved (a boot's trigger is its last event)."""
        if instance.version <= trigger.version:
            return False
        later = self.app.repository.event_store.get(trigger.instance_id, gt=trigger.version)
        return any(isinstance(e, REQUEST_EVENTS) for e in later)

    # -- what plans need -----------------------------------------------------------------------
    def spec_for(self, instance: Instance, spawn: Spawn) -> GuestSpec:
        root = self.roots.guest_volume(instance)
        rescued, root = (root, None) if spawn.rescue else (None, root)
        own_root = rescued or root
        attached = [v for v in guest_volumes(self.app, instance)
                    if own_root is None or v.volume_id != own_root.volume_id]  # vda, or vdb
        spec = guest_spec(instance.id, instance.name, spawn.flavor, spawn.image, self.files,
                          self.find_image, self.host, ports=instance.ports,
                          find_segment=self.find_segment, volumes=attached, root_volume=root)
        spec = replace(spec, rescued_volume=rescued,
                       config_drive=drive_files(self.app, instance, self.config.availability_zone))
        self.vifs.plug(sorted({nic.bridge for nic in spec.nics}))
        return spec

    def find_segment(self, network_id: str) -> int | None:
        try:
            network = self.app.find(UUID(network_id))
        except ValueError:
            return None
        if isinstance(network, Network) and not network.deleted:
            return network.segmentation_id
        return None

    def find_image(self, image_id: str) -> ImageCopy | None:
        try:
            image = self.app.find(UUID(str(image_id)))
        except ValueError:
            return None
        return image_copy(image) if isinstance(image, Image) and not image.deleted else None

    def _guest_changed(self, instance_id: UUID, exists: bool) -> None:
        if exists:
            self.hosted.add(instance_id)
            self.consoles.refresh_one(instance_id)
        else:
            self.hosted.discard(instance_id)
            self.consoles.forget(instance_id)

    # -- the loop ------------------------------------------------------------------------------
    def run_once(self) -> None:
        self.follow_log()
        if self.reclaimer is not None:
            self.reclaimer.run_once()
        now = self.clock()
        if now >= self._next_reconcile:
            self.hosted = set(self.reconciler.run().on_host)
            self._next_reconcile = now + self.config.reconcile_interval
        if now >= self._next_console:
            guests = self.hypervisor.list_guests()
            self.consoles.refresh(sorted(i for i in self.hosted if i in guests))
            self._next_console = now + self.config.console_interval
