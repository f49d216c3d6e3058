"""The volume worker against libvirt's test driver (a dir pool of its own) on both event stores:
it creates volumes (empty and from an image), extends and deletes them, records each outcome,
gives quota back on deletion, turns backend failures into error statuses with the reason, and
converges when it replays its log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from adapters.positions import ProcessPositions
from domain.process.storage.plans import Kind, decide
from domain.storage.backends import GIB
from domain.storage.service import storage_service_id
from domain.storage.volume_states import VolumeStatus
from tests.integration.storage.volume_worker_rig import HOST, USER, Rig
from tests.support.hypervisor import MIB

ImageMaker = Callable[..., Path]


def test_creates_extends_and_deletes_an_empty_volume_and_gives_its_quota_back(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create(size=1)
    assert rig.volume(volume_id).status is VolumeStatus.CREATING
    assert worker.catch_up() == 1
    volume = rig.volume(volume_id)
    info = rig.backend.info(volume_id)
    assert info is not None and info.capacity_bytes == 1 * GIB
    assert (volume.status, volume.path) == (VolumeStatus.AVAILABLE, str(info.path))
    assert rig.events(volume_id)[-1] == "Provisioned"
    assert rig.app.repository.event_store.get(volume_id, gt=1).__next__().meta[
        "user_id"] == f"volume:{HOST}"

    rig.cloud.volumes.extend(USER, volume_id, 3)
    assert rig.used() == {"volumes": 1, "gigabytes": 3}
    assert worker.catch_up() == 1
    assert (rig.volume(volume_id).status, rig.volume(volume_id).size) == (
        VolumeStatus.AVAILABLE, 3)
    assert rig.backend.info(volume_id).capacity_bytes == 3 * GIB  # type: ignore[union-attr]

    rig.cloud.volumes.delete(USER, volume_id)
    assert worker.catch_up() == 1
    assert rig.volume(volume_id).deleted and rig.backend.info(volume_id) is None
    assert rig.events(volume_id)[-2:] == ["DeleteRequested", "Deleted"]
    assert rig.used() == {"volumes": 0, "gigabytes": 0}
    # Caught up to the head; the saved position may stop short of the worker's own outcome
    # events (others' to it: domain/process/loop.py saves that lead later), so a worker started
    # now re-reads only a span with nothing to redo.
    assert worker.position == rig.app.head()
    assert ProcessPositions(rig.cloud.store).get(f"volume-worker:{HOST}") <= rig.app.head()
    assert rig.worker().catch_up() == 0


def test_creates_a_volume_from_an_image(rig: Rig, make_image: ImageMaker) -> None:
    image = rig.upload_image(make_image(64, "qcow2", {0: b"boot sector"}))
    volume_id = rig.create(size=2, image=image)
    assert rig.worker().catch_up() == 1
    volume = rig.volume(volume_id)
    assert volume.status is VolumeStatus.AVAILABLE, volume.fault
    assert volume.bootable and volume.source_image_id == image
    assert rig.backend.info(volume_id).capacity_bytes == 2 * GIB  # type: ignore[union-attr]


def test_creates_a_volume_from_an_image_only_in_another_store(rig: Rig,
                                                              make_image: ImageMaker) -> None:
    """As Cinder reads an image from any location Glance has for it."""
    image = rig.upload_image(make_image(64, "qcow2", {0: b"boot sector"}), store="cheap")
    content_hash = rig.content_hash(image)
    assert [sid for sid, files in rig.cloud.image_stores.all()
            if files.exists(content_hash)] == ["cheap"]
    volume_id = rig.create(size=1, image=image)
    assert rig.worker().catch_up() == 1
    volume = rig.volume(volume_id)
    assert volume.status is VolumeStatus.AVAILABLE, volume.fault
    assert volume.source_image_id == image


def test_an_image_file_missing_from_the_store_fails_the_create(rig: Rig,
                                                               make_image: ImageMaker) -> None:
    image = rig.upload_image(make_image(16, "qcow2"))
    content_hash = rig.content_hash(image)
    volume_id = rig.create(size=1, image=image)
    rig.cloud.blobs.remove(content_hash)  # gone behind the image service's back
    assert rig.worker().catch_up() == 1
    volume = rig.volume(volume_id)
    assert volume.status is VolumeStatus.ERROR
    assert volume.fault is not None and content_hash in volume.fault and "image store" in \
        volume.fault
    assert rig.events(volume_id)[-1] == "ProvisionFailed"
    assert volume_id not in rig.in_pool()
    assert rig.used() == {"volumes": 1, "gigabytes": 1}  # held until deleted, as in Cinder
    rig.cloud.volumes.delete(USER, volume_id)  # and a volume in error deletes cleanly
    rig.worker().catch_up()
    assert rig.volume(volume_id).deleted and rig.used() == {"volumes": 0, "gigabytes": 0}


def test_an_image_bigger_than_the_volume_fails_the_create_with_the_backends_reason(
        rig: Rig, make_image: ImageMaker) -> None:
    image = rig.upload_image(make_image(1024 + 1, "qcow2"))  # a small file, 1 GiB + 1 MiB disk
    volume_id = rig.create(size=1, image=image)
    rig.worker().catch_up()
    volume = rig.volume(volume_id)
    assert volume.status is VolumeStatus.ERROR
    assert f"{(1024 + 1) * MIB} bytes" in str(volume.fault) and "does not fit" in str(volume.fault)


def test_volumes_of_other_hosts_are_left_alone(rig: Rig) -> None:
    mine, theirs = rig.create(), rig.create(host="other-host")
    assert rig.worker().catch_up() == 1
    assert rig.volume(mine).status is VolumeStatus.AVAILABLE
    assert rig.volume(theirs).status is VolumeStatus.CREATING
    assert rig.in_pool() == {mine}


def test_a_boot_volume_is_not_created_by_the_volume_worker_but_deleted_by_it(rig: Rig) -> None:
    volume_id = rig.create()
    volume = rig.volume(volume_id)
    assert decide(Kind.CREATE, volume, HOST) is not None
    volume.boot_of = "an instance id"  # the compute worker makes such a root volume itself
    assert decide(Kind.CREATE, volume, HOST) is None
    volume.status = VolumeStatus.DELETING
    plan = decide(Kind.DELETE, volume, HOST)
    assert plan is not None and plan.volume_id == volume_id


def test_a_crash_between_the_backend_action_and_its_outcome_replays_cleanly(rig: Rig) -> None:
    volume_id = rig.create(size=2)
    info = rig.backend.create(volume_id, 2)  # the worker made it, then died before recording
    worker = rig.worker()
    assert worker.catch_up() == 1
    assert rig.volume(volume_id).path == str(info.path)
    assert rig.in_pool() == {volume_id}
    events = rig.events(volume_id)
    # Handling the same event again (a second replay) records nothing and makes nothing.
    requested = next(iter(rig.app.repository.event_store.get(volume_id)))
    assert worker.handle(requested) is False
    assert rig.events(volume_id) == events and rig.in_pool() == {volume_id}


def test_a_worker_rewound_to_zero_records_nothing_new(rig: Rig, make_image: ImageMaker) -> None:
    kept, extended, deleted = rig.create(), rig.create(), rig.create()
    image = rig.upload_image(make_image(16, "qcow2"))
    failed = rig.create(image=image)
    rig.cloud.blobs.remove(rig.content_hash(image))
    worker = rig.worker()
    worker.catch_up()
    rig.cloud.volumes.extend(USER, extended, 2)
    rig.cloud.volumes.delete(USER, deleted)
    rig.cloud.volumes.extend(USER, kept, 4)
    worker.catch_up()
    rig.cloud.volumes.extend(USER, kept, 5)  # a later extend: replays act on current state
    worker.catch_up()
    assert rig.volume(failed).status is VolumeStatus.ERROR
    streams = {v: rig.events(v) for v in (kept, extended, deleted, failed)}
    pool = {v: rig.backend.info(v) for v in rig.in_pool()}
    assert set(pool) == {kept, extended}
    with rig.cloud.store.transaction() as cur:
        cur.execute("UPDATE process_positions SET position = 0")
    again = rig.worker()
    assert again.position == 0
    again.catch_up()
    assert {v: rig.events(v) for v in (kept, extended, deleted, failed)} == streams
    assert {v: rig.backend.info(v) for v in rig.in_pool()} == pool
    assert (rig.volume(kept).size, rig.volume(extended).size) == (5, 2)


def test_a_restarted_worker_resumes_from_its_position(rig: Rig) -> None:
    first = rig.create()
    worker = rig.worker()
    worker.catch_up()
    position = ProcessPositions(rig.cloud.store).get(f"volume-worker:{HOST}")
    assert worker.position == rig.app.head() and 0 < position <= rig.app.head()
    second = rig.create()
    restarted = rig.worker()
    assert restarted.position == position
    assert restarted.catch_up() == 1  # only the new request
    assert {rig.volume(v).status for v in (first, second)} == {VolumeStatus.AVAILABLE}
    assert rig.in_pool() == {first, second}


def test_registers_its_volume_service_and_beats_with_the_pools_capacity(rig: Rig) -> None:
    worker = rig.worker()
    service_id = storage_service_id(HOST)
    assert rig.app.find(service_id) is None
    worker.run_once()  # the first pass registers the service
    service = rig.app.find(service_id)
    assert (service.host, service.backend, service.enabled) == (HOST, "skyledger-volumes", True)
    total, free = rig.backend.capacity()
    assert service.total_gb == round(total / GIB, 2) and 0 <= free <= total
    worker.run_once()  # within the report interval: no beat yet
    assert rig.events(service_id) == ["Registered"]
    worker._next_beat = 0.0  # the interval has passed
    worker.run_once()
    assert rig.events(service_id) == ["Registered", "Beat"]
    assert rig.app.find(service_id).modified_on > service.modified_on
