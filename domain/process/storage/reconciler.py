"""The volume reconciler: what this host's storage pool really holds, against what events say.

Two kinds of drift:
- lost: a volume of this host that the pool must hold (available, in-use, attaching, detaching,
  extending) is not there, e.g. its file was removed behind the system's back. Recorded on the
  volume (`Volume.Lost`: the volume goes to error with the reason) and logged.
- strays: a volume in the pool, named by a uuid, that no live volume of this host explains. It is
  only reported (logged once per process): it may hold someone's data, and deleting data is
  never the reconciler's call.

The volumes "of this host" are those whose Requested event names this host; the reconciler keeps
their ids, scanning the log for Requested events from where its last scan ended (from zero in a
new process), and drops an id once its volume is deleted. Like the compute reconciler it runs in
the worker's thread after a catch-up, and only what two looks (with a catch-up between) both see
is drift: an event committed meanwhile (a delete) is acted on by the worker first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.context import RequestContext, new_request_id
from domain.process.storage.plans import needs_backing
from domain.services.storage.outcomes import VolumeOutcomes
from domain.storage.backends import VolumeBackend
from domain.storage.volume import Volume

log = logging.getLogger(__name__)

REQUESTED_TOPICS = (get_topic(Volume.Requested),)
SCAN_BATCH = 1000


@dataclass(frozen=True)
class Look:
    missing: dict[UUID, str]  # volumes the pool should hold and does not -> their status
    strays: frozenset[UUID]  # pool volumes no live volume of this host explains


@dataclass(frozen=True)
class Reconciled:
    lost: tuple[UUID, ...]
    strays: tuple[UUID, ...]


class VolumeReconciler:
    def __init__(self, app: SkyLedger, backend: VolumeBackend, outcomes: VolumeOutcomes,
                 host: str, catch_up: Callable[[], object], user_id: str) -> None:
        self.app, self.backend, self.outcomes = app, backend, outcomes
        self.host, self.catch_up, self.user_id = host, catch_up, user_id
        self.known: set[UUID] = set()  # live volumes whose Requested event names this host
        self.scanned = 0  # the log position the scan for Requested events has reached
        self.reported: set[UUID] = set()  # strays already logged by this process
        self.passes = 0  # completed passes, for tests to wait on

    def run(self) -> Reconciled:
        first = self.look()
        missing = first.missing
        if missing:
            second = self.look()
            missing = {i: s for i, s in second.missing.items() if i in first.missing}
        for volume_id, status in sorted(missing.items()):
            reason = (f"The volume is missing from the storage pool of host {self.host} "
                      f"(it was {status}).")
            log.warning("host %s: volume %s lost: %s", self.host, volume_id, reason)
            volume = self.outcomes.load(volume_id)
            ctx = RequestContext(user_id=self.user_id,
                                 project_id=volume.project_id if volume else None,
                                 request_id=new_request_id())
            # The command re-checks the status on fresh state, atomically.
            self.outcomes.lost(ctx, volume_id, reason)
        for volume_id in sorted(first.strays - self.reported):
            log.warning("host %s: stray volume %s in the pool: %s; left as it is", self.host,
                        volume_id, self.why_stray(volume_id))
            self.reported.add(volume_id)
        self.passes += 1
        return Reconciled(tuple(sorted(missing)), tuple(sorted(first.strays)))

    def look(self) -> Look:
        self.catch_up()  # nothing this worker does is half done while we look
        self.scan()
        held = self.backend.list_volumes()
        missing: dict[UUID, str] = {}
        for volume_id in sorted(self.known):
            volume = self.outcomes.load(volume_id)
            if volume is None:
                self.known.discard(volume_id)  # deleted: nothing to hold any more
            elif needs_backing(volume, self.host) and volume_id not in held and \
                    self.backend.info(volume_id) is None:
                missing[volume_id] = volume.status.value
        strays = frozenset(i for i in held if i not in self.known and not self.explained(i))
        return Look(missing, strays)

    def scan(self) -> None:
        """Add the volumes requested on this host since the last scan."""
        head = self.app.head()
        while self.scanned < head:
            batch = self.app.recorder.select_notifications(
                start=self.scanned + 1, limit=SCAN_BATCH, stop=head, topics=REQUESTED_TOPICS)
            for notification in batch:
                event = self.app.mapper.to_domain_event(notification)
                if getattr(event, "host", None) == self.host:
                    self.known.add(event.originator_id)
            # A full batch may stop short of head; a short one means nothing else is left.
            self.scanned = batch[-1].id if len(batch) == SCAN_BATCH else head

    def explained(self, volume_id: UUID) -> bool:
        volume = self.outcomes.load(volume_id)
        return volume is not None and volume.host == self.host

    def why_stray(self, volume_id: UUID) -> str:
        found = self.app.find(volume_id)
        if not isinstance(found, Volume):
            return "no volume has this id"
        if found.deleted:
            return "its volume was deleted"
        return f"its volume is on host {found.host or '(none)'}"
