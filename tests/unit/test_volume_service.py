"""Volume commands on the in-memory event store: quota claimed with the volume, given back with
its confirmed deletion; attach reserves a device of the instance in the same save."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound, QuotaExceeded
from domain.quota.ledger import ledger_id
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootRequest, BootService
from domain.services.compute.hosts import HostRegistration, HostService
from domain.services.compute.outcomes import OutcomeService
from domain.services.quotas import QuotaService
from domain.services.storage.volumes import VolumeRequest, VolumeService
from domain.storage.volume import Volume
from domain.storage.volume_states import InvalidVolume, VolumeBusy, VolumeStatus
from projections.capacity import HostCapacities

CTX = RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"))
OTHER = RequestContext(user_id="u2", project_id="p2", roles=("member", "reader"))
WORKER = RequestContext(user_id="storage-worker")
GIB = 2**30


class Cloud:
    def __init__(self) -> None:
        self.app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        view = HostCapacities(self.app)
        self.boots, self.outcomes = BootService(self.app, view), OutcomeService(self.app, view)
        self.actions = ActionService(self.app, view)
        self.volumes = VolumeService(self.app, "nova", host="host-1")
        self.quotas = QuotaService(self.app)
        HostService(self.app).register(CTX, HostRegistration("host-1", "QEMU", 8, 8192, 100))
        for flavorid, ephemeral in (("plain", 0), ("scratch", 1)):
            self.app.save(Flavor(flavorid, flavorid, 256, 1, 1, ephemeral, 0, 1.0, True, None))

    def image(self, size: int = 10, min_disk: int = 0, owner: str = "p1",
              visibility: str = "public", upload: bool = True) -> str:
        image = Image("img", owner, visibility, "qcow2", "bare", min_disk, 0, False, [], {})
        if upload:
            image.upload(size, "md5", "sha", "hash")
        self.app.save(image)
        return image.id.hex

    def server(self, flavor: str = "plain", ctx: RequestContext = CTX) -> str:
        image = self.image()
        instance = self.boots.boot(ctx, BootRequest(name="vm", flavor_ref=flavor,
                                                    image_ref=image))[0]
        self.outcomes.spawned(WORKER, instance.id, "host-1")
        return instance.id.hex

    def volume(self, size: int = 1, ctx: RequestContext = CTX) -> str:
        volume_id = self.volumes.create(ctx, VolumeRequest(size=size)).id.hex
        self.volumes.created(WORKER, volume_id, f"/pool/{volume_id}")
        return volume_id

    def get(self, aggregate_id: str) -> Volume | Instance:
        return self.app.repository.get(UUID(aggregate_id))  # type: ignore[no-any-return]

    def used(self, project: str = "p1") -> dict[str, int]:
        ledger = self.app.find(ledger_id(project))
        return {r: ledger.used(r) if ledger else 0 for r in ("volumes", "gigabytes")}


@pytest.fixture
def cloud() -> Cloud:
    return Cloud()


def test_create_claims_volumes_and_gigabytes_and_delete_gives_them_back(cloud: Cloud) -> None:
    volume = cloud.volumes.create(CTX, VolumeRequest(size=3, name="data"))
    assert (volume.status, volume.host, cloud.used()) == (
        VolumeStatus.CREATING, "host-1", {"volumes": 1, "gigabytes": 3})
    cloud.volumes.create_failed(WORKER, volume.id, "backend down")
    assert cloud.used() == {"volumes": 1, "gigabytes": 3}  # an error volume still counts
    cloud.volumes.delete(CTX, volume.id.hex)
    assert cloud.used() == {"volumes": 1, "gigabytes": 3}  # until the deletion is confirmed
    cloud.volumes.deleted(WORKER, volume.id)
    cloud.volumes.deleted(WORKER, volume.id)  # replayed: released once
    assert cloud.used() == {"volumes": 0, "gigabytes": 0}
    with pytest.raises(NotFound):
        cloud.volumes.get(CTX, volume.id.hex)


def test_quota_is_checked_gigabytes_first(cloud: Cloud) -> None:
    cloud.quotas.set_limits(CTX, "p1", {"volumes": 1, "gigabytes": 4})
    cloud.volume(size=3)
    with pytest.raises(QuotaExceeded) as both:
        cloud.volumes.create(CTX, VolumeRequest(size=2))
    assert (both.value.resource, both.value.used, both.value.limit) == ("gigabytes", 3, 4)
    with pytest.raises(QuotaExceeded) as count:
        cloud.volumes.create(CTX, VolumeRequest(size=1))
    assert count.value.resource == "volumes"
    assert cloud.used() == {"volumes": 1, "gigabytes": 3}


def test_extend_claims_at_request_and_failure_releases(cloud: Cloud) -> None:
    cloud.quotas.set_limits(CTX, "p1", {"gigabytes": 10})
    volume_id = cloud.volume(size=2)
    with pytest.raises(QuotaExceeded):
        cloud.volumes.extend(CTX, volume_id, 11)
    cloud.volumes.extend(CTX, volume_id, 6)
    assert cloud.used()["gigabytes"] == 6
    cloud.volumes.extend_failed(WORKER, volume_id, "no space")
    assert cloud.used()["gigabytes"] == 2
    assert cloud.get(volume_id).status is VolumeStatus.ERROR_EXTENDING
    cloud.volumes.reset_status(CTX, volume_id, "available")
    cloud.volumes.extend(CTX, volume_id, 4)
    cloud.volumes.extended(WORKER, volume_id, 4)
    assert (cloud.get(volume_id).size, cloud.used()["gigabytes"]) == (4, 4)


def test_volume_from_image_must_fit(cloud: Cloud) -> None:
    big = cloud.image(size=2 * GIB + 1)
    with pytest.raises(InvalidInput, match="image 3GB is larger than volume size 2GB"):
        cloud.volumes.create(CTX, VolumeRequest(size=2, image_ref=big))
    picky = cloud.image(min_disk=5)
    with pytest.raises(InvalidInput, match="cannot be smaller than the image minDisk size 5GB"):
        cloud.volumes.create(CTX, VolumeRequest(size=4, image_ref=picky))
    queued = cloud.image(upload=False)
    with pytest.raises(InvalidInput, match="is not active"):
        cloud.volumes.create(CTX, VolumeRequest(size=4, image_ref=queued))
    hidden = cloud.image(owner="p2", visibility="private")
    for ref in (hidden, "not-a-uuid", UUID(int=7).hex):
        with pytest.raises(InvalidInput, match="Invalid image identifier"):
            cloud.volumes.create(CTX, VolumeRequest(size=4, image_ref=ref))
    assert cloud.used() == {"volumes": 0, "gigabytes": 0}
    volume = cloud.volumes.create(CTX, VolumeRequest(size=3, image_ref=big))
    assert volume.bootable and volume.source_image_id == big and volume.image["size"] == 2 * GIB + 1


def test_attach_reserves_the_next_free_device_on_the_instance(cloud: Cloud) -> None:
    plain, scratch = cloud.server(), cloud.server("scratch")
    first, second, third = cloud.volume(), cloud.volume(), cloud.volume()
    assert cloud.volumes.request_attach(CTX, first, plain).attachment["device"] == "/dev/vdb"
    assert cloud.volumes.request_attach(CTX, second, plain).attachment["device"] == "/dev/vdc"
    # the flavor's ephemeral disk is vdb
    assert cloud.volumes.request_attach(CTX, third, scratch).attachment["device"] == "/dev/vdc"
    instance = cloud.get(plain)
    assert instance.volumes == {first: "/dev/vdb", second: "/dev/vdc"}
    attachment = cloud.get(first).attachment["attachment_id"]
    cloud.volumes.attach_failed(WORKER, first, attachment, "libvirt said no")
    assert cloud.get(plain).volumes == {second: "/dev/vdc"}
    assert cloud.get(first).status is VolumeStatus.AVAILABLE
    # the freed vdb is handed out again; a requested free vd name is honoured
    fourth = cloud.volume()
    assert cloud.volumes.request_attach(CTX, fourth, plain, "/dev/vdf").attachment["device"] \
        == "/dev/vdf"
    assert cloud.volumes.request_attach(CTX, first, plain, "/dev/sdz").attachment["device"] \
        == "/dev/vdb"


def test_requested_devices_must_be_valid_and_free(cloud: Cloud) -> None:
    server, volume_id = cloud.server(), cloud.volume()
    with pytest.raises(InvalidInput, match=r"device path \(/dev/../vdb\) is invalid"):
        cloud.volumes.request_attach(CTX, volume_id, server, "/dev/../vdb")
    with pytest.raises(InvalidState, match="is in use"):
        cloud.volumes.request_attach(CTX, volume_id, server, "/dev/vda")
    assert cloud.get(volume_id).status is VolumeStatus.AVAILABLE


def test_attach_detach_round_trip_frees_the_device(cloud: Cloud) -> None:
    server, volume_id = cloud.server(), cloud.volume()
    volume = cloud.volumes.request_attach(CTX, volume_id, server)
    attachment = volume.attachment["attachment_id"]
    with pytest.raises(VolumeBusy):
        cloud.volumes.request_detach(CTX, server, volume_id)  # not confirmed yet
    cloud.volumes.attached(WORKER, volume_id, attachment, "host-1", "/dev/vdb")
    with pytest.raises(InvalidVolume):
        cloud.volumes.delete(CTX, volume_id)
    cloud.volumes.request_detach(CTX, server, volume_id)
    assert cloud.get(volume_id).status is VolumeStatus.DETACHING
    assert cloud.get(server).volumes == {volume_id: "/dev/vdb"}  # until libvirt confirms
    cloud.volumes.detached(WORKER, volume_id, attachment)
    assert cloud.get(server).volumes == {}
    assert cloud.get(volume_id).status is VolumeStatus.AVAILABLE
    cloud.volumes.delete(CTX, volume_id)


def test_attach_checks_the_instance_like_nova(cloud: Cloud) -> None:
    server, volume_id = cloud.server(), cloud.volume()
    cloud.actions.act(CTX, server, "suspend")
    with pytest.raises(InvalidState, match="task_state suspending"):
        cloud.volumes.request_attach(CTX, volume_id, server)
    cloud.outcomes.action_succeeded(WORKER, UUID(server), "suspend")
    with pytest.raises(InvalidState, match="while it is in vm_state suspended"):
        cloud.volumes.request_attach(CTX, volume_id, server)
    other = cloud.server()
    cloud.actions.lock(RequestContext(user_id="admin", project_id="p1", roles=("admin",)), other)
    with pytest.raises(InvalidState, match="is locked"):
        cloud.volumes.request_attach(CTX, volume_id, other)
    assert cloud.get(volume_id).status is VolumeStatus.AVAILABLE


def test_attach_to_a_container_is_refused_and_records_nothing(cloud: Cloud) -> None:
    """libvirt's LXC driver attaches block devices only, and volumes here are files
    (domain/compute/hypervisor_support.py): Nova's 409, neither aggregate changed."""
    server, volume_id = cloud.server(), cloud.volume()
    HostService(cloud.app).register(CTX, HostRegistration("host-1", "LXC", 8, 8192, 100))
    versions = cloud.get(server).version, cloud.get(volume_id).version
    with pytest.raises(InvalidState, match=f"Cannot 'attach_volume' instance {UUID(server)}: "
                                           "its host host-1 is of hypervisor type LXC"):
        cloud.volumes.request_attach(CTX, volume_id, server)
    assert (cloud.get(server).version, cloud.get(volume_id).version) == versions
    assert cloud.get(volume_id).status is VolumeStatus.AVAILABLE
    with pytest.raises(NotFound):  # a volume that is not there is still a 404 first
        cloud.volumes.request_attach(CTX, UUID(int=1).hex, server)


def test_projects_cannot_reach_each_others_volumes_or_servers(cloud: Cloud) -> None:
    mine, theirs = cloud.volume(), cloud.volume(ctx=OTHER)
    server, their_server = cloud.server(), cloud.server(ctx=OTHER)
    for attempt in (lambda: cloud.volumes.request_attach(CTX, theirs, server),
                    lambda: cloud.volumes.request_attach(CTX, mine, their_server),
                    lambda: cloud.volumes.delete(CTX, theirs),
                    lambda: cloud.volumes.extend(CTX, theirs, 9)):
        with pytest.raises(NotFound):
            attempt()
    admin = RequestContext(user_id="admin", project_id="p0", roles=("admin",))
    with pytest.raises(InvalidInput, match="different projects"):
        cloud.volumes.request_attach(admin, theirs, server)


def test_reset_of_an_attaching_volume_frees_the_device(cloud: Cloud) -> None:
    server, volume_id = cloud.server(), cloud.volume()
    cloud.volumes.request_attach(CTX, volume_id, server)
    cloud.volumes.reset_status(CTX, volume_id, "available")
    assert cloud.get(server).volumes == {}
    assert cloud.get(volume_id).attachment is None


def test_too_many_devices_is_refused(cloud: Cloud) -> None:
    cloud.quotas.set_limits(CTX, "p1", {"volumes": 30})
    server = cloud.server()
    for _ in range(25):  # vdb .. vdz
        cloud.volumes.request_attach(CTX, cloud.volume(), server)
    with pytest.raises(Forbidden, match="maximum allowed number of disk devices"):
        cloud.volumes.request_attach(CTX, cloud.volume(), server)
