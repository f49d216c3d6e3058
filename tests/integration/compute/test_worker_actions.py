"""Every server action, carried out by the worker on a real (test-driver) hypervisor."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from adapters.blobs import FileBlobStore
from domain.compute.backends import GuestState as G
from domain.compute.states import PowerState, VmState
from domain.process.compute.drift import DriftService
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for


def act(fleet: Fleet, instance_id: UUID, action: str, vm_state: VmState, guest: G) -> None:
    fleet.cloud.actions.act(USER, instance_id.hex, action)
    instance = fleet.wait_until(instance_id, vm_state, f"{action} to finish")
    host = fleet.hosts[str(instance.host)]
    assert host.hypervisor.state(instance_id) is guest, action


def test_power_actions_change_the_guest_and_the_record(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    act(fleet, vm, "stop", VmState.STOPPED, G.SHUTOFF)
    act(fleet, vm, "start", VmState.ACTIVE, G.RUNNING)
    act(fleet, vm, "reboot", VmState.ACTIVE, G.RUNNING)
    act(fleet, vm, "pause", VmState.PAUSED, G.PAUSED)
    act(fleet, vm, "unpause", VmState.ACTIVE, G.RUNNING)
    act(fleet, vm, "suspend", VmState.SUSPENDED, G.SUSPENDED)
    act(fleet, vm, "resume", VmState.ACTIVE, G.RUNNING)
    act(fleet, vm, "reboot_hard", VmState.ACTIVE, G.RUNNING)
    assert fleet.instance(vm).power_state is PowerState.RUNNING
    fleet.check_guests()
    fleet.check_ledgers()


def test_hard_reboot_and_start_bring_back_a_guest_that_was_lost(fleet: Fleet) -> None:
    host = fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    host.hypervisor.destroy(vm)  # gone behind the worker's back
    act(fleet, vm, "reboot_hard", VmState.ACTIVE, G.RUNNING)
    act(fleet, vm, "stop", VmState.STOPPED, G.SHUTOFF)
    host.hypervisor.destroy(vm)
    act(fleet, vm, "start", VmState.ACTIVE, G.RUNNING)


def test_an_action_the_hypervisor_refuses_is_recorded_as_failed(fleet: Fleet) -> None:
    host = fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    host.hypervisor.stop(vm)  # behind its back, before any reconciler pass notices
    fleet.cloud.actions.act(USER, vm.hex, "pause")
    instance = fleet.wait_until(vm, VmState.ACTIVE, "the pause to fail")
    assert instance.fault is not None and "cannot pause" in instance.fault["message"]
    assert instance.pending is None


def test_rebuild_replaces_the_guest_with_the_new_image(fleet: Fleet) -> None:
    host = fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    fleet.cloud.actions.rebuild(USER, vm.hex, fleet.image2)
    instance = fleet.wait_until(vm, VmState.ACTIVE, "the rebuild")
    assert instance.image["id"] == fleet.image2
    assert host.hypervisor.state(vm) is G.RUNNING
    fleet.check_guests()


def test_resize_on_one_host_then_confirm_and_revert(fleet: Fleet) -> None:
    host = fleet.add_host("node-1", vcpus=8, memory_mib=8192)
    a, b = fleet.boot(max_count=2)
    for vm in (a, b):
        fleet.wait_until(vm, VmState.ACTIVE)
        fleet.cloud.actions.resize(USER, vm.hex, "big")
    for vm in (a, b):
        instance = fleet.wait_until(vm, VmState.RESIZED, "the resize")
        assert instance.host == "node-1" and instance.flavor["id"] == "big"
        assert host.hypervisor.state(vm) is G.RUNNING
    fleet.check_ledgers()
    fleet.cloud.actions.confirm_resize(USER, a.hex)
    fleet.cloud.actions.revert_resize(USER, b.hex)
    assert fleet.wait_until(a, VmState.ACTIVE).flavor["id"] == "big"
    assert fleet.wait_until(b, VmState.ACTIVE).flavor["id"] == "small"
    fleet.check_guests()
    fleet.check_ledgers()


def resize_across(fleet: Fleet) -> UUID:
    """An instance on a-small, resized to the only host the big flavor fits: b-big."""
    [vm] = fleet.boot()
    assert fleet.wait_until(vm, VmState.ACTIVE).host == "a-small"
    fleet.cloud.actions.resize(USER, vm.hex, "big")
    instance = fleet.wait_until(vm, VmState.RESIZED, "the cross-host resize")
    assert instance.host == "b-big" and (instance.resize_from or {}).get("host") == "a-small"
    wait_for(lambda: fleet.host_of_guest(vm) == ["b-big"], "the source's guest to go")
    fleet.check_ledgers()
    return vm


# The reconciler runs all the time here: moving guests must never look like drift to it.
RESTLESS: dict[str, Any] = {"reconcile_interval": 0.02}


def assert_no_drift(fleet: Fleet) -> None:
    drift = DriftService(fleet.cloud.app)
    assert all(drift.of(name) is None for name in fleet.hosts)
    for vm in fleet.booted:
        events = fleet.cloud.app.repository.event_store.get(vm)
        assert not [e for e in events if type(e).__name__ == "PowerStateObserved"]


def test_a_cold_resize_across_hosts_confirmed(fleet: Fleet) -> None:
    fleet.add_host("a-small", vcpus=1, memory_mib=1024, **RESTLESS)
    fleet.add_host("b-big", vcpus=4, memory_mib=4096, **RESTLESS)
    vm = resize_across(fleet)
    fleet.cloud.actions.confirm_resize(USER, vm.hex)
    assert fleet.wait_until(vm, VmState.ACTIVE).host == "b-big"
    assert fleet.host_of_guest(vm) == ["b-big"]
    fleet.check_ledgers()
    assert fleet.cloud.hosts.node("a-small").claims == {}
    assert_no_drift(fleet)


def test_a_cold_resize_across_hosts_reverted(fleet: Fleet) -> None:
    fleet.add_host("a-small", vcpus=1, memory_mib=1024, **RESTLESS)
    fleet.add_host("b-big", vcpus=4, memory_mib=4096, **RESTLESS)
    vm = resize_across(fleet)
    fleet.cloud.actions.revert_resize(USER, vm.hex)
    instance = fleet.wait_until(vm, VmState.ACTIVE)
    assert instance.host == "a-small" and instance.flavor["id"] == "small"
    wait_for(lambda: fleet.host_of_guest(vm) == ["a-small"], "the destination's guest to go")
    assert fleet.hosts["a-small"].hypervisor.state(vm) is G.RUNNING
    fleet.check_ledgers()
    assert fleet.cloud.hosts.node("b-big").claims == {}
    assert_no_drift(fleet)


def test_a_cold_resize_the_destination_cannot_build_leaves_the_source_running(
        fleet: Fleet, tmp_path: Path) -> None:
    fleet.add_host("a-small", vcpus=1, memory_mib=1024)
    fleet.add_host("b-big", vcpus=4, memory_mib=4096,
                   blobs=FileBlobStore(tmp_path / "empty-image-store"))
    [vm] = fleet.boot()
    assert fleet.wait_until(vm, VmState.ACTIVE).host == "a-small"
    fleet.cloud.actions.resize(USER, vm.hex, "big")
    instance = fleet.wait_until(vm, VmState.ACTIVE, "the resize to fail")
    assert instance.host == "a-small" and instance.flavor["id"] == "small"
    assert "not available on host b-big" in (instance.fault or {}).get("message", "")
    wait_for(lambda: fleet.hosts["a-small"].hypervisor.state(vm) is G.RUNNING,
             "the source's guest to run again")
    assert fleet.host_of_guest(vm) == ["a-small"]
    fleet.check_ledgers()


def test_delete_of_a_resized_instance_removes_the_guest_left_on_the_source(
        fleet: Fleet) -> None:
    fleet.add_host("a-small", vcpus=1, memory_mib=1024)
    fleet.add_host("b-big", vcpus=4, memory_mib=4096)
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    fleet.stop("a-small")  # the source's worker is down: its guest stays through the move
    fleet.cloud.actions.resize(USER, vm.hex, "big")
    fleet.wait_until(vm, VmState.RESIZED)
    assert sorted(fleet.host_of_guest(vm)) == ["a-small", "b-big"]
    fleet.cloud.actions.delete(USER, vm.hex)
    wait_for(lambda: fleet.instance(vm).deleted, "b-big to report the delete")
    fleet.start("a-small")
    wait_for(lambda: fleet.host_of_guest(vm) == [], "no guest anywhere")
    fleet.check_ledgers()
    assert_no_drift(fleet)  # a delete, not drift
