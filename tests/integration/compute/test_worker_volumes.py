"""Volumes on guests, carried out by the compute worker on libvirt's test driver, on both stores.

The volume's file is made by the storage worker, which these tests stand in for through the
volume service's `created` outcome (its public API); everything after that -- the attach and
detach on the guest, the outcome on the volume, respawns keeping the volume, a server delete
releasing it -- is the compute worker's. The test driver has no hotplug: the adapter changes the
guest's persistent definition there (adapters/hypervisor/volume_attach.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import libvirt

from api.bodies.servers import volumes_attached
from api.microversions import Version
from domain.compute.states import VmState
from domain.context import RequestContext, new_request_id
from domain.services.storage.volumes import VolumeRequest
from domain.storage.volume import Volume
from projections.instance_actions import InstanceActionViews
from projections.servers import ServerViews
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for

STORAGE = RequestContext(user_id="storage-worker", project_id=None)


def request() -> RequestContext:
    """The user, in a request of its own (USER keeps one request id for all it does)."""
    return replace(USER, request_id=new_request_id())


def ready_volume(fleet: Fleet, tmp_path: Path, name: str = "data") -> UUID:
    """An available volume with a file, as the storage worker would report it."""
    volume = fleet.cloud.volumes.create(USER, VolumeRequest(size=1, name=name))
    path = tmp_path / "pool" / volume.id.hex
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"")
    fleet.cloud.volumes.created(STORAGE, volume.id, str(path))
    return volume.id


def volume(fleet: Fleet, volume_id: UUID) -> Volume:
    found: Volume = fleet.cloud.app.repository.get(volume_id)
    return found


def wait_status(fleet: Fleet, volume_id: UUID, status: str, what: str = "") -> Volume:
    return wait_for(  # type: ignore[no-any-return]
        lambda: (lambda v: v if v.status.value == status else None)(volume(fleet, volume_id)),
        what or f"volume {volume_id} to be {status}")


def serials(fleet: Fleet, host: str, instance_id: UUID) -> dict[str, str]:
    """Serial -> target dev of the guest's disks that have a serial, from its definition."""
    dom = fleet.hosts[host].hypervisor._require(instance_id)
    xml = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    return {str(d.findtext("serial")): str(d.find("target").get("dev"))  # type: ignore[union-attr]
            for d in xml.iterfind("./devices/disk") if d.find("serial") is not None}


def active_server(fleet: Fleet) -> UUID:
    fleet.add_host("node-1")
    [vm] = fleet.boot(networks="none")
    fleet.wait_until(vm, VmState.ACTIVE)
    return vm


def test_attach_and_detach_reach_the_guest_before_the_record(fleet: Fleet,
                                                              tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.cloud.volumes.request_attach(request(), data, vm.hex)
    attached = wait_status(fleet, data, "in-use", "libvirt to confirm the attach")
    assert attached.attachment is not None
    assert (attached.attachment["host"], attached.attachment["device"]) == ("node-1", "/dev/vdb")
    assert attached.attachment["attached_at"]
    assert serials(fleet, "node-1", vm) == {str(data): "vdb"}
    assert fleet.instance(vm).volumes == {data.hex: "/dev/vdb"}
    # Recorded under the request that asked for it, by this host's worker.
    [*_, event] = fleet.cloud.app.repository.event_store.get(data)
    [asked] = [e for e in fleet.cloud.app.repository.event_store.get(data)
                 if type(e).__name__ == "AttachRequested"]
    assert event.meta["request_id"] == asked.meta["request_id"]
    assert event.meta["user_id"] == "compute:node-1"

    fleet.cloud.volumes.request_detach(request(), vm.hex, data)
    detached = wait_status(fleet, data, "available", "the detach")
    assert detached.attachment is None and detached.fault is None
    assert serials(fleet, "node-1", vm) == {}
    assert fleet.instance(vm).volumes == {}


def test_the_server_views_and_actions_show_the_volume(fleet: Fleet, tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.cloud.volumes.request_attach(request(), data, vm.hex)
    wait_status(fleet, data, "in-use")
    fleet.cloud.sync_read_models()
    server = ServerViews(fleet.cloud.store).get(vm.hex)
    assert server is not None
    assert volumes_attached(server, Version(2, 1)) == [{"id": str(data)}]
    assert volumes_attached(server, Version(2, 3)) == [
        {"id": str(data), "delete_on_termination": False}]

    fleet.cloud.volumes.request_detach(request(), vm.hex, data)
    wait_status(fleet, data, "available")
    fleet.cloud.sync_read_models()
    server = ServerViews(fleet.cloud.store).get(vm.hex)
    assert server is not None and volumes_attached(server, Version(2, 3)) == []

    views = InstanceActionViews(fleet.cloud.store)
    actions = views.list(vm.hex)
    assert [a["action"] for a in actions] == ["detach_volume", "attach_volume", "create"]
    for action, step in zip(actions[:2], ("compute_detach_volume", "compute_attach_volume"),
                            strict=True):
        [event] = views.events(vm.hex, action["request_id"])
        assert (event["event"], event["result"]) == (step, "Success")
        assert event["finish_time"] and action["message"] is None


def test_a_failed_attach_frees_the_volume_and_the_device(fleet: Fleet, tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.hosts["node-1"].hypervisor.destroy(vm)  # the guest is gone behind the worker's back
    fleet.cloud.volumes.request_attach(request(), data, vm.hex)
    failed = wait_for(lambda: (lambda v: v if v.fault else None)(volume(fleet, data)),
                      "the attach to fail")
    assert failed.status.value == "available" and failed.attachment is None
    assert f"no guest for instance {vm}" in str(failed.fault)
    assert fleet.instance(vm).volumes == {}
    fleet.cloud.sync_read_models()
    views = InstanceActionViews(fleet.cloud.store)
    [attach, _create] = views.list(vm.hex)
    [event] = views.events(vm.hex, attach["request_id"])
    assert (attach["action"], attach["message"]) == ("attach_volume", "Error")
    assert (event["event"], event["result"]) == ("compute_attach_volume", "Error")


def test_respawned_guests_keep_their_volumes(fleet: Fleet, tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.cloud.volumes.request_attach(request(), data, vm.hex, "/dev/vdc")
    wait_status(fleet, data, "in-use")
    host = fleet.hosts["node-1"]

    fleet.cloud.actions.rebuild(request(), vm.hex, fleet.image2)
    fleet.wait_until(vm, VmState.ACTIVE, "the rebuild")
    assert serials(fleet, "node-1", vm) == {str(data): "vdc"}

    host.hypervisor.destroy(vm)  # lost: a hard reboot builds it again from the record
    fleet.cloud.actions.act(request(), vm.hex, "reboot_hard")
    fleet.wait_until(vm, VmState.ACTIVE, "the hard reboot")
    assert serials(fleet, "node-1", vm) == {str(data): "vdc"}

    fleet.cloud.actions.resize(request(), vm.hex, "big")  # its ephemeral disk takes vdb
    fleet.wait_until(vm, VmState.RESIZED, "the resize")
    assert serials(fleet, "node-1", vm) == {str(data): "vdc"}
    assert volume(fleet, data).status.value == "in-use"


def test_deleting_a_server_releases_its_volumes(fleet: Fleet, tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.cloud.volumes.request_attach(request(), data, vm.hex)
    wait_status(fleet, data, "in-use")
    fleet.cloud.actions.delete(request(), vm.hex)
    wait_for(lambda: fleet.instance(vm).deleted, "the delete")
    released = volume(fleet, data)  # in the delete's own save
    assert (released.status.value, released.attachment, released.fault) == (
        "available", None, None)
    assert fleet.instance(vm).volumes == {}
    assert fleet.host_of_guest(vm) == []
    fleet.cloud.sync_read_models()
    server = ServerViews(fleet.cloud.store).get(vm.hex, include_deleted=True)
    assert server is not None and volumes_attached(server, Version(2, 3)) == []


def test_a_local_delete_fails_an_attach_still_waiting_for_its_host(fleet: Fleet,
                                                                   tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.stop("node-1")
    fleet.cloud.volumes.request_attach(request(), data, vm.hex)
    fleet.cloud.actions.delete(request(), vm.hex, host_is_up=False)  # Nova's local delete
    released = volume(fleet, data)
    assert (released.status.value, released.attachment) == ("available", None)
    assert f"Instance {vm} was deleted." == released.fault
    events = len(list(fleet.cloud.app.repository.event_store.get(data)))
    fleet.start("node-1")  # sees the attach request: the volume is not attaching any more
    worker = fleet.hosts["node-1"].compute.worker  # type: ignore[union-attr]
    head = fleet.cloud.app.head()
    wait_for(lambda: worker.position >= head, "the worker to catch up")
    assert len(list(fleet.cloud.app.repository.event_store.get(data))) == events


def test_replaying_the_log_attaches_and_records_nothing_twice(fleet: Fleet,
                                                              tmp_path: Path) -> None:
    vm = active_server(fleet)
    kept, moved, other = (ready_volume(fleet, tmp_path, n) for n in ("kept", "moved", "other"))
    [second] = fleet.boot(networks="none")
    fleet.wait_until(second, VmState.ACTIVE)
    volumes = fleet.cloud.volumes
    volumes.request_attach(request(), kept, vm.hex)
    volumes.request_attach(request(), moved, vm.hex)
    wait_status(fleet, moved, "in-use")
    volumes.request_detach(request(), vm.hex, moved)
    wait_status(fleet, moved, "available")
    volumes.request_attach(request(), moved, second.hex)
    volumes.request_attach(request(), other, second.hex)
    for volume_id in (kept, moved, other):
        wait_status(fleet, volume_id, "in-use")
    guests = {i: serials(fleet, "node-1", i) for i in (vm, second)}
    assert guests == {vm: {str(kept): "vdb"}, second: {str(moved): "vdb", str(other): "vdc"}}

    fleet.stop("node-1")
    store = fleet.cloud.app.repository.event_store
    ids = (vm, second, kept, moved, other)
    before = {i: len(list(store.get(i))) for i in ids}
    with fleet.cloud.store.transaction() as cur:
        cur.execute("UPDATE process_positions SET position = 0")
    head = fleet.cloud.app.head()
    fleet.start("node-1")
    worker = fleet.hosts["node-1"].compute.worker  # type: ignore[union-attr]
    wait_for(lambda: worker.position >= head, "the worker to replay")
    assert {i: len(list(store.get(i))) for i in ids} == before
    assert {i: serials(fleet, "node-1", i) for i in (vm, second)} == guests


def test_a_shelved_offloaded_server_takes_a_volume_at_once_and_its_unshelve_plugs_it_in(
        fleet: Fleet, tmp_path: Path) -> None:
    vm, data = active_server(fleet), ready_volume(fleet, tmp_path)
    fleet.cloud.shelving.shelve(request(), vm.hex)
    fleet.wait_until(vm, VmState.SHELVED_OFFLOADED)
    fleet.cloud.volumes.request_attach(request(), data, vm.hex)
    attached = volume(fleet, data)  # no guest to wait for: recorded in the request's save
    assert attached.status.value == "in-use" and fleet.instance(vm).volumes == {
        data.hex: "/dev/vdb"}

    fleet.cloud.shelving.unshelve(request(), vm.hex)
    fleet.wait_until(vm, VmState.ACTIVE)
    assert serials(fleet, "node-1", vm) == {str(data): "vdb"}

    fleet.cloud.shelving.shelve(request(), vm.hex)
    fleet.wait_until(vm, VmState.SHELVED_OFFLOADED)
    fleet.cloud.volumes.request_detach(request(), vm.hex, data)
    detached = volume(fleet, data)
    assert detached.status.value == "available" and detached.attachment is None
    assert fleet.instance(vm).volumes == {}
