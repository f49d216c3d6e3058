"""The volume worker's reconciler on libvirt's test driver, on both event stores: a volume taken
out of the pool behind the system's back is recorded as lost (error, with an event saying so);
a pool volume that no event explains is reported and left alone."""

from __future__ import annotations

import logging
import uuid

import pytest

from domain.storage.volume_states import VolumeStatus
from tests.integration.storage.volume_worker_rig import HOST, USER, Rig


def test_a_volume_removed_behind_the_systems_back_is_recorded_as_lost(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    gone, extending, kept = rig.create(), rig.create(), rig.create()
    worker = rig.worker()
    worker.catch_up()
    rig.cloud.volumes.extend(USER, extending, 4)  # quota claimed now, acted on after the look
    creating = rig.create(host="other-host")  # not this host's: never judged here
    rig.remove_behind_our_back(gone)
    assert worker.reconciler.run().lost == (gone,)

    volume = rig.volume(gone)
    assert volume.status is VolumeStatus.ERROR
    assert "missing from the storage pool" in str(volume.fault) and "available" in \
        str(volume.fault)
    lost = list(rig.app.repository.event_store.get(gone))[-1]
    assert type(lost).__name__ == "Lost" and lost.meta["user_id"] == f"volume:{HOST}"
    assert lost.meta["project_id"] == USER.project_id
    assert f"volume {gone} lost" in caplog.text
    # The extend was carried out by the catch-up before the look; the rest is untouched.
    assert {rig.volume(v).status for v in (extending, kept)} == {VolumeStatus.AVAILABLE}
    assert rig.volume(creating).status is VolumeStatus.CREATING
    assert rig.used() == {"volumes": 4, "gigabytes": 7}  # a lost volume holds until deleted

    # Recorded once; the next pass finds nothing new, and the volume can be deleted.
    assert worker.reconciler.run().lost == ()
    assert rig.events(gone)[-1] == "Lost"
    rig.cloud.volumes.delete(USER, gone)
    worker.catch_up()
    assert rig.volume(gone).deleted
    assert worker.reconciler.run().lost == ()


def test_the_read_model_shows_a_lost_volume_in_error(rig: Rig) -> None:
    volume_id = rig.create()
    worker = rig.worker()
    worker.catch_up()
    rig.remove_behind_our_back(volume_id)
    worker.reconciler.run()
    rig.cloud.sync_read_models()
    from projections.volumes import VolumeViews

    row = VolumeViews(rig.cloud.store).get(volume_id.hex)
    assert row is not None and row["status"] == "error" and "missing" in row["fault"]


def test_a_volume_in_the_pool_that_no_event_explains_is_only_reported(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    mine = rig.create()
    worker = rig.worker()
    worker.catch_up()
    unknown = uuid.uuid4()
    rig.backend.create(unknown, 1)  # made by someone else, or left by a lost database
    deleted = rig.create()
    worker.catch_up()
    rig.cloud.volumes.delete(USER, deleted)
    worker.catch_up()
    rig.backend.create(deleted, 1)  # came back behind our back

    with caplog.at_level(logging.WARNING):
        found = worker.reconciler.run()
        again = worker.reconciler.run()
    assert set(found.strays) == {unknown, deleted} == set(again.strays)
    assert found.lost == ()
    assert rig.in_pool() == {mine, unknown, deleted}  # never deleted
    assert f"stray volume {unknown} in the pool: no volume has this id" in caplog.text
    assert f"stray volume {deleted} in the pool: its volume was deleted" in caplog.text
    assert caplog.text.count(f"stray volume {unknown}") == 1  # reported once per process
    assert rig.volume(mine).status is VolumeStatus.AVAILABLE


def test_a_new_worker_knows_every_volume_of_its_host_from_the_log(rig: Rig) -> None:
    volumes = [rig.create() for _ in range(3)]
    rig.worker().catch_up()
    rig.remove_behind_our_back(volumes[0])
    restarted = rig.worker()  # a new process: its reconciler starts from an empty memory
    assert restarted.catch_up() == 0
    assert restarted.reconciler.run().lost == (volumes[0],)
    assert restarted.reconciler.known == set(volumes)
