"""The worker's plans for rescue, shelve and os-interface, and the state each step lands in
(no I/O)."""

from __future__ import annotations

import pytest

from domain.compute.states import TRANSITIONS, PowerState, TaskState, VmState, api_status
from domain.process.compute.plans import (
    DESTROY,
    NOTHING,
    Outcome,
    Plan,
    Power,
    Rescue,
    Snapshot,
    Spawn,
    SyncNics,
    Unrescue,
)
from domain.process.compute.triggers import Kind
from projections.instance_actions import ACTION_NAMES, STEP_NAMES
from tests.unit.test_worker_plans import IMAGE, IMAGE2, SMALL, active_on, new_instance, plan


def test_rescue_boots_the_rescue_image_and_undoes_to_the_guest() -> None:
    instance = active_on("h1")
    instance.request("rescue", False, rescue_image=IMAGE2)
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (Rescue(Spawn(SMALL, IMAGE2, rescue=True)),), Outcome.ACTION, "rescue",
        undo=(Unrescue(Spawn(SMALL, IMAGE)),))
    assert plan(Kind.ACTION, instance, "h2") is NOTHING


def test_a_failed_rescue_of_a_stopped_server_leaves_it_stopped() -> None:
    instance = active_on("h1")
    instance.request("stop", False)
    instance.action_succeeded("stop")
    instance.request("rescue", False)
    assert plan(Kind.ACTION, instance, "h1").undo == (Unrescue(Spawn(SMALL, IMAGE)),
                                                      Power("stop"))


def test_rescue_and_unrescue_move_through_rescued() -> None:
    instance = active_on("h1")
    instance.request("rescue", False)
    assert api_status(instance.vm_state, instance.task_state) == "ACTIVE"
    instance.action_succeeded("rescue")
    assert (instance.vm_state, api_status(instance.vm_state, None)) == (VmState.RESCUED,
                                                                        "RESCUE")
    instance.request("unrescue", False)
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (Unrescue(Spawn(SMALL, IMAGE)),), Outcome.ACTION, "unrescue")
    instance.action_succeeded("unrescue")
    assert (instance.vm_state, instance.host) == (VmState.ACTIVE, "h1")


def test_shelve_stops_copies_and_offloads_then_the_server_is_on_no_host() -> None:
    instance = active_on("h1")
    instance.request("shelve", False, image_id="abc")
    assert plan(Kind.ACTION, instance, "h1") == Plan(
        (Power("stop"), Snapshot("abc"), DESTROY), Outcome.ACTION, "shelve",
        undo=(Power("start", Spawn(SMALL, IMAGE)),))
    instance.action_succeeded("shelve")
    assert (instance.vm_state, instance.host, instance.power_state) == (
        VmState.SHELVED_OFFLOADED, None, PowerState.NOSTATE)
    assert instance.shelved_image_id == "abc"
    assert api_status(instance.vm_state, None) == "SHELVED_OFFLOADED"
    assert plan(Kind.SUCCEEDED, instance, "h1") == Plan((DESTROY,))  # the old host cleans up


def test_a_volume_backed_shelve_takes_no_snapshot() -> None:
    instance = active_on("h1")
    instance.request("shelve", False)
    assert plan(Kind.ACTION, instance, "h1").steps == (Power("stop"), DESTROY)


def test_unshelve_spawns_the_shelved_image_on_the_claimed_host() -> None:
    instance = active_on("h1")
    instance.request("shelve", False, image_id="abc")
    instance.action_succeeded("shelve")
    instance.request("unshelve", False, host="h2", image=IMAGE2)
    assert instance.task_state is TaskState.UNSHELVING
    assert plan(Kind.ACTION, instance, "h2") == Plan(
        (Spawn(SMALL, IMAGE2),), Outcome.ACTION, "unshelve", undo=(DESTROY,))
    assert plan(Kind.ACTION, instance, "h1") is NOTHING
    instance.action_succeeded("unshelve")
    assert (instance.vm_state, instance.host, instance.image) == (VmState.ACTIVE, "h2", IMAGE)
    assert instance.shelved_image_id is None


def test_a_failed_unshelve_stays_offloaded() -> None:
    instance = active_on("h1")
    instance.request("shelve", False)
    instance.action_succeeded("shelve")
    instance.request("unshelve", False, host="h2")
    instance.action_failed("unshelve", "no disk")
    assert (instance.vm_state, instance.host) == (VmState.SHELVED_OFFLOADED, None)


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_action_has_nova_names_in_the_instance_actions_history(action: str) -> None:
    assert action in ACTION_NAMES and action in STEP_NAMES


def test_an_interface_change_syncs_the_nics_of_a_settled_guest_on_its_host() -> None:
    instance = active_on("h1")
    instance.attach_ports([{"id": "p2", "network_id": "n1", "network_name": "net",
                            "mac": "fa:16:3e:00:00:02", "fixed_ip": "10.0.0.5"}])
    assert plan(Kind.NICS, instance, "h1") == Plan((SyncNics(),))
    assert plan(Kind.NICS, instance, "h2") is NOTHING
    instance.detach_port("p2")
    assert instance.ports == []
    instance.request("stop", False)  # during an action: its own plan respawns with the ports
    assert plan(Kind.NICS, instance, "h1") is NOTHING


def test_ports_planned_at_boot_are_left_to_the_spawn() -> None:
    instance = new_instance()
    instance.claim_host("h1")
    assert plan(Kind.NICS, instance, "h1") is NOTHING


def test_a_backup_is_a_snapshot_and_keeps_the_newest_of_its_type() -> None:
    instance = active_on("h1")
    for image_id, kind in (("a", "daily"), ("b", "daily"), ("w", "weekly"), ("c", "daily")):
        instance.request("backup", False, image_id=image_id, backup_type=kind, rotation=2)
        assert instance.task_state is TaskState.IMAGE_BACKUP
        assert plan(Kind.ACTION, instance, "h1") == Plan((Snapshot(image_id),), Outcome.ACTION,
                                                         "backup")
        instance.action_succeeded("backup")
    assert instance.backups == {"daily": ["b", "c"], "weekly": ["w"]}
    assert (instance.vm_state, instance.task_state) == (VmState.ACTIVE, None)


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_an_action_that_ends_after_a_delete_request_leaves_the_delete_to_run(
        outcome: str) -> None:
    instance = active_on("h1")
    instance.request("backup", False, image_id="a", backup_type="daily", rotation=1)
    instance.request_delete()
    version = instance.version
    if outcome == "succeeded":
        instance.action_succeeded("backup")
    else:
        instance.action_failed("backup", "qemu-img said no")
    assert (instance.version, instance.task_state) == (version, TaskState.DELETING)
    assert plan(Kind.DELETE, instance, "h1") == Plan((DESTROY,), Outcome.DELETE)
