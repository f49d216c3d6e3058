"""The compute worker's decisions: given an instance's state and a trigger, the plan (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.compute.backends import GuestState as G
from domain.compute.instance import Instance
from domain.compute.states import PowerState, TaskState, VmState, api_status
from domain.process.compute.plans import (
    DESTROY,
    NOTHING,
    Outcome,
    Plan,
    Power,
    Reimage,
    Spawn,
    decide,
    hosts_of,
)
from domain.process.compute.reconciler import power_drift
from domain.process.compute.triggers import Kind, Trigger, trigger_of

SMALL = {"id": "small", "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0}
BIG = {"id": "big", "vcpus": 2, "ram": 1024, "disk": 2, "ephemeral": 1, "swap": 0}
IMAGE = {"id": "img1", "disk_format": "qcow2", "content_hash": "abc", "properties": {}}
IMAGE2 = {"id": "img2", "disk_format": "raw", "content_hash": "def", "properties": {}}


def new_instance(**fields: Any) -> Instance:
    """A requested instance: a small flavor and a qcow2 image, three attempts; `fields`
    override any of Instance's keyword arguments."""
    defaults: dict[str, Any] = {
        "name": "vm", "project_id": "p1", "user_id": "u1", "flavor": dict(SMALL),
        "image": dict(IMAGE), "key_name": None, "availability_zone": None, "metadata": {},
        "user_data": None, "hints": {}, "server_group_id": None, "reservation_id": "r-1",
        "launch_index": 0, "max_attempts": 3}
    return Instance(**{**defaults, **fields})


def active_on(host: str) -> Instance:
    instance = new_instance()
    instance.claim_host(host)
    instance.spawned(host)
    return instance


def trig(kind: Kind, instance: Instance, host: str | None = None,
         action: str | None = None) -> Trigger:
    return Trigger(kind, instance.id, instance.version, "req-1", "p1", host, action)


def plan(kind: Kind, instance: Instance, me: str, **kw: Any) -> Plan:
    return decide(trig(kind, instance, **kw), instance, me)


def test_a_claim_for_this_host_spawns_and_reports() -> None:
    instance = new_instance()
    instance.claim_host("h1")
    assert plan(Kind.CLAIMED, instance, "h1", host="h1") == Plan(
        (Spawn(SMALL, IMAGE),), Outcome.SPAWN, undo=(DESTROY,))


def test_a_replayed_claim_after_the_spawn_was_recorded_does_nothing() -> None:
    instance = active_on("h1")
    assert plan(Kind.CLAIMED, instance, "h1", host="h1") is NOTHING


def test_a_replayed_claim_after_a_reschedule_makes_sure_no_guest_stays() -> None:
    instance = new_instance()
    instance.claim_host("h1")
    instance.spawn_failed("h1", "no image")
    instance.claim_host("h2")
    assert plan(Kind.CLAIMED, instance, "h1", host="h1") == Plan((DESTROY,))
    assert plan(Kind.CLAIMED, instance, "h2", host="h2").outcome is Outcome.SPAWN


@pytest.mark.parametrize("action", ["stop", "reboot", "pause", "suspend"])
def test_power_actions_run_on_the_instance_host_only(action: str) -> None:
    instance = active_on("h1")
    instance.request(action, False)
    assert plan(Kind.ACTION, instance, "h1") == Plan((Power(action),), Outcome.ACTION, action)
    assert plan(Kind.ACTION, instance, "h2") is NOTHING


@pytest.mark.parametrize("action", ["start", "reboot_hard"])
def test_start_and_hard_reboot_respawn_a_lost_guest(action: str) -> None:
    instance = active_on("h1")
    if action == "start":
        instance.request("stop", False)
        instance.action_succeeded("stop")
    instance.request(action, False)
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (Power(action, Spawn(SMALL, IMAGE)),), Outcome.ACTION, action)


def test_a_replayed_action_that_was_recorded_does_nothing() -> None:
    instance = active_on("h1")
    instance.request("pause", False)
    instance.action_succeeded("pause")
    assert plan(Kind.ACTION, instance, "h1") is NOTHING


def test_rebuild_replaces_the_guest_and_restores_it_on_failure() -> None:
    instance = active_on("h1")
    instance.request("rebuild", False, image=IMAGE2)
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (DESTROY, Spawn(SMALL, IMAGE2)), Outcome.ACTION, "rebuild",
        undo=(DESTROY, Spawn(SMALL, IMAGE)))


def test_a_rebuild_that_reimages_writes_the_image_over_the_root_volume_first() -> None:
    instance = active_on("h1")
    instance.request("rebuild", False, image=IMAGE2, reimage="v1")
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (DESTROY, Reimage(IMAGE2), Spawn(SMALL, IMAGE2)), Outcome.ACTION, "rebuild",
        undo=(DESTROY, Spawn(SMALL, IMAGE)))


def test_a_rebuild_shows_its_image_at_once_and_a_failed_one_gives_the_old_back() -> None:
    instance = active_on("h1")
    instance.request("rebuild", False, image=IMAGE2)
    assert instance.image == IMAGE2  # Nova records the new image when it accepts a rebuild
    instance.action_failed("rebuild", "no disk")
    assert instance.image == IMAGE and instance.vm_state is VmState.ACTIVE


def test_a_stopped_server_is_rebuilt_stopped() -> None:
    instance = active_on("h1")
    instance.request("stop", False)
    instance.action_succeeded("stop")
    instance.request("rebuild", False, image=IMAGE2)
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (DESTROY, Spawn(SMALL, IMAGE2), Power("stop")), Outcome.ACTION, "rebuild",
        undo=(DESTROY,))
    instance.action_succeeded("rebuild")
    assert (instance.vm_state, instance.power_state) == (VmState.STOPPED, PowerState.SHUTDOWN)
    assert instance.image == IMAGE2


@pytest.mark.parametrize("finish", ["confirm_resize", "revert_resize"])
def test_a_stopped_server_is_resized_stopped_and_stays_so(finish: str) -> None:
    instance = active_on("h1")
    instance.request("stop", False)
    instance.action_succeeded("stop")
    instance.request("resize", False, flavor=BIG, host="h1", growth={})
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (DESTROY, Spawn(BIG, IMAGE), Power("stop")), Outcome.ACTION, "resize", undo=(DESTROY,))
    instance.action_succeeded("resize")
    assert (instance.vm_state, instance.power_state) == (VmState.RESIZED, PowerState.SHUTDOWN)
    instance.request(finish, False)
    if finish == "revert_resize":
        assert plan(Kind.ACTION, instance, "h1").steps == (DESTROY, Spawn(SMALL, IMAGE),
                                                           Power("stop"))
    instance.action_succeeded(finish)
    assert (instance.vm_state, instance.power_state) == (VmState.STOPPED, PowerState.SHUTDOWN)


def test_resize_on_the_same_host_replaces_the_guest() -> None:
    instance = active_on("h1")
    instance.request("resize", False, flavor=BIG, host="h1", growth={})
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (DESTROY, Spawn(BIG, IMAGE)), Outcome.ACTION, "resize",
        undo=(DESTROY, Spawn(SMALL, IMAGE)))


def test_a_cold_resize_to_another_host() -> None:
    instance = active_on("h1")
    instance.request("resize", False, flavor=BIG, host="h2", growth={})
    assert plan(Kind.ACTION, instance, "h2") == Plan(
        (Spawn(BIG, IMAGE),), Outcome.ACTION, "resize", undo=(DESTROY,))
    assert plan(Kind.ACTION, instance, "h1") == Plan((Power("stop"),))  # no report
    assert plan(Kind.ACTION, instance, "h3") is NOTHING
    instance.action_succeeded("resize")
    assert hosts_of(instance) == {"h1", "h2"}
    assert plan(Kind.SUCCEEDED, instance, "h1", action="resize") == Plan((DESTROY,))
    assert plan(Kind.SUCCEEDED, instance, "h2", action="resize") is NOTHING


def test_a_failed_cold_resize_restarts_the_source_and_cleans_the_destination() -> None:
    instance = active_on("h1")
    instance.request("resize", False, flavor=BIG, host="h2", growth={})
    instance.action_failed("resize", "no room")
    assert plan(Kind.FAILED, instance, "h1", action="resize") == Plan((Power("start"),))
    assert plan(Kind.FAILED, instance, "h2", action="resize") == Plan((DESTROY,))


def resized(source: str, dest: str) -> Instance:
    instance = active_on(source)
    instance.request("resize", False, flavor=BIG, host=dest, growth={})
    instance.action_succeeded("resize")
    return instance


def test_confirm_is_reported_by_the_destination_and_cleans_the_source() -> None:
    instance = resized("h1", "h2")
    instance.request("confirm_resize", False)
    assert plan(Kind.ACTION, instance, "h2") == Plan((), Outcome.ACTION, "confirm_resize")
    assert plan(Kind.ACTION, instance, "h1") == Plan((DESTROY,))


def test_revert_respawns_the_old_flavor_on_the_source() -> None:
    instance = resized("h1", "h2")
    instance.request("revert_resize", False)
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (Spawn(SMALL, IMAGE),), Outcome.ACTION, "revert_resize", undo=(DESTROY,))
    assert plan(Kind.ACTION, instance, "h2") == Plan((Power("stop"),))
    instance.action_succeeded("revert_resize")
    assert plan(Kind.SUCCEEDED, instance, "h2", action="revert_resize") == Plan((DESTROY,))
    assert plan(Kind.SUCCEEDED, instance, "h1", action="revert_resize") is NOTHING


def test_revert_on_the_same_host_swaps_the_guest_back() -> None:
    instance = resized("h1", "h1")
    instance.request("revert_resize", False)
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (DESTROY, Spawn(SMALL, IMAGE)), Outcome.ACTION, "revert_resize",
        undo=(DESTROY, Spawn(BIG, IMAGE)))


def test_delete_is_reported_by_the_instance_host_and_cleans_the_other_end() -> None:
    instance = active_on("h1")
    instance.request("resize", False, flavor=BIG, host="h2", growth={})
    instance.request_delete()
    assert plan(Kind.DELETE, instance, "h1") == Plan((DESTROY,), Outcome.DELETE)
    assert plan(Kind.DELETE, instance, "h2") == Plan((DESTROY,))
    assert plan(Kind.DELETE, instance, "h3") is NOTHING
    assert plan(Kind.ACTION, instance, "h1") is NOTHING  # the delete's own trigger acts
    instance.mark_deleted()
    assert plan(Kind.DELETE, instance, "h2") == Plan((DESTROY,))


def test_a_deleted_instance_is_left_to_the_reconciler_except_by_its_delete() -> None:
    instance = active_on("h1")
    instance.mark_deleted()  # a local delete, made while h1 was down
    assert plan(Kind.CLAIMED, instance, "h1", host="h1") is NOTHING
    assert decide(trig(Kind.CLAIMED, instance, host="h1"), None, "h1") is NOTHING


def test_triggers_are_filtered_before_the_instance_is_loaded() -> None:
    instance = new_instance()
    instance.claim_host("h1")
    claimed = trigger_of(instance.collect_events()[-1])
    assert claimed is not None and claimed.kind is Kind.CLAIMED and claimed.host == "h1"
    assert claimed.may_concern("h1") and not claimed.may_concern("h2")
    assert claimed.request_id == "req-system"  # the context bound when the event was made
    instance.spawned("h1")
    instance.request("stop", False)
    instance.action_succeeded("stop")
    stop_done = trigger_of(instance.collect_events()[-1])
    assert stop_done is not None and not stop_done.may_concern("h1")  # moves no guest
    assert trigger_of(object()) is None


@pytest.mark.parametrize(("vm_state", "guest", "expected"), [
    (VmState.ACTIVE, G.SHUTOFF, (PowerState.SHUTDOWN, VmState.STOPPED)),
    (VmState.ACTIVE, G.CRASHED, (PowerState.CRASHED, VmState.STOPPED)),
    (VmState.ACTIVE, G.MISSING, (PowerState.NOSTATE, VmState.STOPPED)),
    (VmState.ACTIVE, G.PAUSED, (PowerState.PAUSED, VmState.PAUSED)),
    (VmState.STOPPED, G.RUNNING, (PowerState.RUNNING, VmState.ACTIVE)),
    (VmState.ACTIVE, G.RUNNING, None),
    (VmState.STOPPED, G.SHUTOFF, None),
    (VmState.STOPPED, G.MISSING, None),  # a start re-creates it
    (VmState.RESIZED, G.SHUTOFF, None),
    (VmState.ERROR, G.MISSING, None),
    (VmState.ACTIVE, G.UNKNOWN, None),
])
def test_power_drift(vm_state: VmState, guest: G,
                     expected: tuple[PowerState, VmState] | None) -> None:
    assert power_drift(vm_state, guest) == expected


@pytest.mark.parametrize(("vm_state", "task_state", "status"), [
    (VmState.STOPPED, TaskState.REBUILDING, "REBUILD"),
    (VmState.ERROR, TaskState.REBUILDING, "REBUILD"),
    (VmState.ACTIVE, TaskState.REBUILDING, "REBUILD"),
    (VmState.STOPPED, TaskState.RESIZE_MIGRATING, "RESIZE"),
    (VmState.STOPPED, TaskState.POWERING_ON, "SHUTOFF"),
    (VmState.ACTIVE, TaskState.DELETING, "ACTIVE"),
    (VmState.RESIZED, TaskState.RESIZE_REVERTING, "REVERT_RESIZE"),
    (VmState.PAUSED, None, "PAUSED"),
])
def test_the_api_status_is_novas_for_each_state_and_task(
        vm_state: VmState, task_state: TaskState | None, status: str) -> None:
    assert api_status(vm_state, task_state) == status
