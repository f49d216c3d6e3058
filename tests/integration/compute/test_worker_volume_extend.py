"""An in-use extend (Cinder 3.42) on libvirt's test driver, on both stores: the storage side's
`extended` outcome (stood in for here, as in test_worker_volumes.py) records a volume-extended
external event for the server's host in the same save, and that host's compute worker resizes
the guest's disk and records the outcome on the event. The test driver's guests run nothing
and it has no blockResize: there the adapter checks the volume is in the guest's definition
(adapters/hypervisor/volume_attach.py's `resize`); a running QEMU guest gets the blockResize.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from domain.compute.external_events import ExternalEvents
from domain.services.compute.external_events import ExternalEventService, Posted
from domain.storage.volume_states import InvalidVolume
from tests.integration.compute.test_worker_volumes import (
    STORAGE,
    active_server,
    ready_volume,
    request,
    volume,
    wait_status,
)
from tests.support.fleet import Fleet
from tests.support.waiting import wait_for


def told(fleet: Fleet) -> list[ExternalEvents]:
    """Every batch of external events recorded, oldest first."""
    topic = get_topic(ExternalEvents.Received)
    found = fleet.cloud.app.recorder.select_notifications(1, 100_000, topics=[topic])
    return [fleet.cloud.app.repository.get(n.originator_id) for n in found]


def outcome(fleet: Fleet, events_id: UUID) -> str | None:
    events: ExternalEvents = fleet.cloud.app.repository.get(events_id)
    return events.outcomes.get("0")


def test_an_attached_volume_grows_and_its_guests_host_is_told(fleet: Fleet,
                                                              tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.cloud.volumes.request_attach(request(), data, vm.hex)
    wait_status(fleet, data, "in-use")
    with pytest.raises(InvalidVolume):  # below 3.42 an in-use volume is not extended
        fleet.cloud.volumes.extend(request(), data, 2)
    fleet.cloud.volumes.extend(request(), data, 3, attached=True)
    extending = volume(fleet, data)
    assert extending.status.value == "extending" and extending.attachment is not None
    assert told(fleet) == []  # nothing to tell before the storage side has grown it

    fleet.cloud.volumes.extended(STORAGE, data, 3)
    grown = volume(fleet, data)
    assert (grown.status.value, grown.size) == ("in-use", 3)
    [batch] = told(fleet)
    assert [(e["name"], e["tag"], e["host"], e["server_id"]) for e in batch.events] == [
        ("volume-extended", str(data), "node-1", vm.hex)]
    assert wait_for(lambda: outcome(fleet, batch.id),
                    "node-1 to resize the guest's disk") == "completed"
    [handled] = [e for e in fleet.cloud.app.repository.event_store.get(batch.id)
                 if isinstance(e, ExternalEvents.Handled)]
    assert handled.meta["user_id"] == "compute:node-1"  # type: ignore[attr-defined]


def test_a_posted_volume_extended_for_a_volume_not_in_the_guest_fails_clearly(
        fleet: Fleet, tmp_path: Path) -> None:
    vm, loose = active_server(fleet), ready_volume(fleet, tmp_path)
    [verdict] = ExternalEventService(fleet.cloud.app).record(request(), [
        Posted(vm, "volume-extended", "completed", str(loose))])
    assert verdict.code == 200
    [batch] = told(fleet)
    assert wait_for(lambda: outcome(fleet, batch.id), "node-1's outcome") == (
        f"failed: volume {loose} is not attached to {vm}")
