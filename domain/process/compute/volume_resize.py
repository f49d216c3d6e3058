"""The compute side of an in-use extend (Cinder 3.42): on a `volume-extended` external event
for this host (recorded by the storage side in the save that confirmed the volume grew, or
posted to os-server-external-events by another Cinder), the guest's disk is resized (libvirt
blockResize), so the guest sees the new size, as Nova's extend_volume does.

The outcome ("completed", or why not) is recorded on the external events themselves, once per
event: a replay finds it recorded and does nothing; a crash between the resize and the record
resizes again, to the same size, which changes nothing.
"""

from __future__ import annotations

import logging
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.base import Entity
from domain.compute.backends import Hypervisor, HypervisorError
from domain.compute.external_events import ExternalEvent, ExternalEvents
from domain.context import RequestContext
from domain.process.effects import recording
from domain.services.compute.external_events import ExternalEventService
from domain.services.storage.lookup import live
from domain.storage.volume import Volume

log = logging.getLogger(__name__)
GIB = 2**30
TOPICS: tuple[str, ...] = (get_topic(ExternalEvents.Received),)


class VolumeResizer:
    def __init__(self, app: SkyLedger, hypervisor: Hypervisor, host: str, user_id: str) -> None:
        self.app, self.hypervisor, self.host, self.user_id = app, hypervisor, host, user_id
        self.events = ExternalEventService(app)

    def handle(self, event: Entity.Event) -> bool:
        """Act on the volume-extended events of this host; True when it did."""
        if not isinstance(event, ExternalEvents.Received):
            return False
        found = self.app.find(event.originator_id)
        if not isinstance(found, ExternalEvents):
            return False
        mine = [(i, e) for i, e in enumerate(found.events) if e["name"] == "volume-extended"
                and e["host"] == self.host and str(i) not in found.outcomes]
        meta = getattr(event, "meta", None) or {}
        ctx = RequestContext(user_id=self.user_id, project_id=meta.get("project_id"),
                             request_id=str(meta.get("request_id") or "req-unknown"))
        for index, item in mine:
            with recording(ctx) as traced:  # the outcome carries the libvirt call made
                outcome = self.resize(item)
                log.info("host %s: volume-extended %s on %s: %s", self.host, item["tag"],
                         item["server_id"], outcome)
                self.events.handled(traced, found.id, index, outcome)
        return bool(mine)

    def resize(self, item: ExternalEvent) -> str:
        try:
            volume_id = UUID(str(item["tag"]))
        except ValueError:
            return f"failed: {item['tag']} is not a volume id"
        volume = live(self.app, volume_id, Volume)
        if not isinstance(volume, Volume) or not volume.attached_to(item["server_id"]):
            return f"failed: volume {volume_id} is not attached to {UUID(item['server_id'])}"
        try:
            self.hypervisor.resize_volume(UUID(item["server_id"]), volume_id, volume.size * GIB)
        except HypervisorError as error:
            return f"failed: {error or type(error).__name__}"
        return "completed"
