"""The reconciler: drift between the hypervisor and the events is recorded as events."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from domain.compute.backends import GuestSpec, GuestState, KernelBoot
from domain.compute.states import PowerState, TaskState, VmState, api_status
from domain.process.compute.drift import DriftService, drift_id
from tests.support.fleet import USER, Fleet, Host
from tests.support.waiting import wait_for

FAST: dict[str, Any] = {"reconcile_interval": 0.02}


def events_named(fleet: Fleet, aggregate_id: uuid.UUID, name: str) -> list[Any]:
    return [e for e in fleet.cloud.app.repository.event_store.get(aggregate_id)
            if type(e).__name__ == name]


def passes_after(host: Host, more: int) -> None:
    """Wait until the host's reconciler has completed `more` further passes."""
    assert host.compute is not None
    reconciler = host.compute.worker.reconciler
    target = reconciler.passes + more
    wait_for(lambda: reconciler.passes >= target, f"{more} reconciler passes on {host.name}")


def test_a_guest_powered_off_behind_our_back_is_recorded_shutoff(fleet: Fleet) -> None:
    host = fleet.add_host("node-1", **FAST)
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    host.hypervisor.stop(vm)  # `virsh destroy`: the guest is off, its domain still defined
    instance = fleet.wait_until(vm, VmState.STOPPED, "the reconciler to notice")
    assert instance.power_state is PowerState.SHUTDOWN
    assert api_status(instance.vm_state, instance.task_state) == "SHUTOFF"
    [observed] = events_named(fleet, vm, "PowerStateObserved")
    assert observed.meta["user_id"] == "compute:node-1"
    fleet.cloud.actions.act(USER, vm.hex, "start")  # and the user can bring it back
    fleet.wait_until(vm, VmState.ACTIVE)
    assert host.hypervisor.state(vm) is GuestState.RUNNING


def test_a_guest_undefined_behind_our_back_is_recorded_and_start_recreates_it(
        fleet: Fleet) -> None:
    host = fleet.add_host("node-1", **FAST)
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    host.hypervisor.destroy(vm)
    instance = fleet.wait_until(vm, VmState.STOPPED, "the reconciler to notice")
    assert instance.power_state is PowerState.NOSTATE
    fleet.cloud.actions.act(USER, vm.hex, "start")
    fleet.wait_until(vm, VmState.ACTIVE)
    assert host.hypervisor.state(vm) is GuestState.RUNNING


def test_a_guest_of_an_instance_deleted_while_its_host_was_down_is_destroyed_and_reported(
        fleet: Fleet) -> None:
    host = fleet.add_host("node-1")
    keep, gone = fleet.boot(max_count=2)
    for vm in (keep, gone):
        fleet.wait_until(vm, VmState.ACTIVE)
    fleet.stop("node-1")
    # The API deletes locally (Nova's local delete) when it sees the host down (forced here:
    # its last heartbeat is not stale yet).
    fleet.cloud.actions.delete(USER, gone.hex, host_is_up=False)
    assert fleet.instance(gone).deleted and gone in host.guests()
    fleet.start("node-1")  # its first reconciler pass runs at once
    wait_for(lambda: gone not in host.guests(), "the stray guest to be destroyed")
    drift = DriftService(fleet.cloud.app).of("node-1")
    assert drift is not None and drift.strays[gone.hex]["resolution"] == "destroyed"
    assert drift.strays[gone.hex]["reason"] == "the instance was deleted"
    [event] = events_named(fleet, drift_id("node-1"), "StrayGuestObserved")
    assert event.meta["user_id"] == "compute:node-1" and event.guest_state == "running"
    assert host.hypervisor.state(keep) is GuestState.RUNNING  # the live one is untouched
    fleet.check_ledgers()


def test_a_guest_no_instance_knows_is_reported_once_and_left_alone(fleet: Fleet) -> None:
    host = fleet.add_host("node-1", **FAST)
    stranger = uuid.uuid4()
    host.hypervisor.spawn(GuestSpec(stranger, "not ours", 1, 64, kernel=KernelBoot(Path("k"))))
    passes_after(host, 3)
    assert host.hypervisor.state(stranger) is GuestState.RUNNING
    drift = DriftService(fleet.cloud.app).of("node-1")
    assert drift is not None and drift.strays[stranger.hex]["resolution"] == "left"
    assert len(events_named(fleet, drift_id("node-1"), "StrayGuestObserved")) == 1
    host.hypervisor.destroy(stranger)


def test_with_destroy_unknown_guests_a_stranger_is_destroyed(fleet: Fleet) -> None:
    host = fleet.add_host("node-1", start=False)
    stranger = uuid.uuid4()
    host.hypervisor.spawn(GuestSpec(stranger, "not ours", 1, 64, kernel=KernelBoot(Path("k"))))
    fleet.start("node-1", destroy_unknown_guests=True)
    wait_for(lambda: stranger not in host.guests(), "the stranger to be destroyed")
    drift = DriftService(fleet.cloud.app).of("node-1")
    assert drift is not None and drift.strays[stranger.hex]["resolution"] == "destroyed"


def test_no_drift_is_reported_for_a_guest_in_the_middle_of_an_action(fleet: Fleet) -> None:
    source = fleet.add_host("a-small", vcpus=1, memory_mib=1024, **FAST)
    fleet.add_host("b-big", vcpus=4, memory_mib=4096)
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    fleet.stop("b-big")  # the destination is slow to take over: the move stays in progress
    fleet.cloud.actions.resize(USER, vm.hex, "big")
    wait_for(lambda: source.hypervisor.state(vm) is GuestState.SHUTOFF, "the cold move to start")
    passes_after(source, 5)
    instance = fleet.instance(vm)
    assert instance.vm_state is VmState.ACTIVE and instance.task_state is TaskState.RESIZE_MIGRATING
    assert events_named(fleet, vm, "PowerStateObserved") == []
    fleet.start("b-big")
    fleet.wait_until(vm, VmState.RESIZED)
    wait_for(lambda: fleet.host_of_guest(vm) == ["b-big"], "the source's copy to go")
    passes_after(source, 3)
    assert DriftService(fleet.cloud.app).of("a-small") is None
    assert events_named(fleet, vm, "PowerStateObserved") == []
