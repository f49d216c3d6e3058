"""Rebuilding a volume-backed server, carried out by the compute worker on libvirt's test driver
with a real storage pool, on both stores. Asked to re-image (compute 2.93), the worker writes
the new image over the root volume, under the same volume id, and spawns the guest on it again;
the rebuild's success records the volume's new image. Without re-imaging, only the volume's own
image may be named (Nova's 400 ImageUnacceptable), and nothing is recorded otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.errors import InvalidInput, InvalidState
from domain.services.compute.boot_volumes import RootVolumeRequest
from domain.storage.volume import Volume
from ops.bootstrap import Cloud
from projections.audit import AuditViews
from projections.volumes import VolumeViews
from tests.support.fleet import USER, VolumeFleet
from tests.support.hypervisor import TEST_URI, pool_backend
from tests.support.waiting import wait_for

OLD, NEW = b"\x11" * (1 << 20), b"\x22" * (1 << 20)


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    yield from pool_backend(TEST_URI, tmp_path, "skyledger-rebuild")


@pytest.fixture
def fleet(compute_cloud: Cloud, tmp_path: Path,
          backend: LibvirtVolumeBackend) -> Iterator[VolumeFleet]:
    made = VolumeFleet(compute_cloud, tmp_path, backend)
    made.seed()
    made.add_host("node-1")
    yield made
    made.close()


def asking(request_id: str) -> RequestContext:
    return RequestContext(user_id=USER.user_id, project_id=USER.project_id, roles=USER.roles,
                          request_id=request_id)


def volume(fleet: VolumeFleet, volume_id: str | UUID) -> Volume:
    found: Volume = fleet.cloud.app.repository.get(UUID(str(volume_id)))
    return found


def booted(fleet: VolumeFleet, image_id: str) -> tuple[UUID, Volume]:
    [instance_id] = fleet.boot("small", image="", networks="none",
                               root=RootVolumeRequest("image", image_id, 1))
    fleet.wait_until(instance_id, VmState.ACTIVE)
    root = fleet.instance(instance_id).root_volume
    assert root is not None
    return instance_id, volume(fleet, root)


def rebuilt(fleet: VolumeFleet, instance_id: UUID, before: int) -> None:
    wait_for(lambda: fleet.instance(instance_id).version > before
             and fleet.instance(instance_id).task_state is None, f"{instance_id} rebuilt")


def test_a_rebuild_that_reimages_writes_the_new_image_over_the_root_volume(
        fleet: VolumeFleet, backend: LibvirtVolumeBackend) -> None:
    old, new = fleet.upload_image("old", OLD, "raw"), fleet.upload_image("new", NEW, "raw")
    instance_id, made = booted(fleet, old)
    before = fleet.instance(instance_id).version
    fleet.cloud.actions.rebuild(asking("req-reimage"), instance_id.hex, new, reimage=True)
    rebuilt(fleet, instance_id, before + 1)
    server = fleet.instance(instance_id)
    assert (server.vm_state, server.fault) == (VmState.ACTIVE, None)
    assert server.image["id"] == new
    after = volume(fleet, made.id)
    # The same volume, now holding the new image's data, its image the new one.
    assert (after.id, after.path, after.status.value) == (made.id, made.path, "in-use")
    assert (after.image or {})["id"] == new
    assert after.glance_metadata["image_id"] == str(UUID(new))
    # What the host did, traced with the rebuild's success: the guest gone, the volume made
    # again from the new image under its id (the test driver's volumes hold no data), the
    # guest defined on it. With qemu-img the image is converted into the staging volume.
    fleet.cloud.runners["audit"].catch_up()
    [succeeded] = [r for r in AuditViews(fleet.cloud.store).trace("req-reimage")
                   if (r["aggregate_type"], r["event"]) == ("Instance", "ActionSucceeded")]
    done = [(e["action"], e["target"]) for e in succeeded["effects"]]
    vid = str(made.id)
    assert done.index(("storageVolDelete", vid)) < done.index(("storageVolCreateXMLFrom", vid)) \
        < done.index(("defineXML", str(instance_id)))
    # ... and the volume's new image in the same save (its event named by the volume's base).
    assert [(r["aggregate_type"], r["event"]) for r in AuditViews(fleet.cloud.store).trace(
        "req-reimage")][1:] == [("Instance", "ActionSucceeded"), ("VolumeReimages", "Reimaged")]
    info = backend.info(made.id)
    assert info is not None and info.size_gib == 1
    assert fleet.hosts["node-1"].hypervisor.attached_volumes(instance_id) == {made.id: "vda"}
    fleet.check_ledgers()
    # The read model shows the volume's new image as Cinder's volume_image_metadata.
    fleet.cloud.sync_read_models()
    row = VolumeViews(fleet.cloud.store).get(made.id.hex)
    assert row is not None and row["image"]["id"] == new and row["image_metadata"] is None


def test_without_reimaging_only_the_volumes_own_image_may_be_named(fleet: VolumeFleet) -> None:
    old, new = fleet.upload_image("old", OLD, "raw"), fleet.upload_image("new", NEW, "raw")
    instance_id, made = booted(fleet, old)
    position = fleet.cloud.app.recorder.max_notification_id()
    with pytest.raises(InvalidInput, match="Unable to rebuild with a different image for a "
                                           "volume-backed server"):
        fleet.cloud.actions.rebuild(USER, instance_id.hex, new)
    assert fleet.cloud.app.recorder.max_notification_id() == position
    # The same image rebuilds the guest on the volume as it is.
    before = fleet.instance(instance_id).version
    fleet.cloud.actions.rebuild(USER, instance_id.hex, old)
    rebuilt(fleet, instance_id, before + 1)
    assert fleet.instance(instance_id).vm_state is VmState.ACTIVE
    kept = volume(fleet, made.id)
    assert (kept.version, kept.image) == (made.version, made.image)


def test_a_locked_server_is_a_conflict_before_the_image_is_judged(fleet: VolumeFleet) -> None:
    old, new = fleet.upload_image("old", OLD, "raw"), fleet.upload_image("new", NEW, "raw")
    instance_id, _made = booted(fleet, old)
    fleet.cloud.actions.lock(USER, instance_id.hex)
    with pytest.raises(InvalidState, match="locked"):
        fleet.cloud.actions.rebuild(USER, instance_id.hex, new)
