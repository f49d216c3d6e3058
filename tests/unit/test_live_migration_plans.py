"""The compute workers' decisions for a live migration (no I/O): the destination prepares, its
report sends the source, and the end of the move cleans up the host that no longer holds it."""

from __future__ import annotations

from domain.compute.states import TaskState, VmState, api_status
from domain.process.compute.plans import (
    DESTROY,
    NOTHING,
    LiveMigrate,
    Outcome,
    Plan,
    PrepareIncoming,
)
from domain.process.compute.triggers import Kind
from tests.unit.test_worker_plans import active_on, plan

TARGET = {"hypervisor_uri": "qemu+tcp://h2/system", "migrate_uri": "tcp://h2",
          "state_dir": "/srv/h2", "copy_disks": True}


def test_the_destination_prepares_then_the_source_moves_the_guest() -> None:
    instance = active_on("h1")
    instance.request("live_migrate", True, host="h2", block_migration=True)
    assert api_status(instance.vm_state, instance.task_state) == "MIGRATING"
    assert plan(Kind.ACTION, instance, "h2") == Plan(
        (PrepareIncoming(),), Outcome.PREPARED, "live_migrate", undo=(DESTROY,))
    assert plan(Kind.ACTION, instance, "h1") is NOTHING
    instance.migration_prepared(TARGET)
    instance.migration_prepared({"other": "report"})  # a replayed report changes nothing
    assert plan(Kind.PREPARED, instance, "h1") == Plan(
        (LiveMigrate(TARGET),), Outcome.ACTION, "live_migrate")
    assert plan(Kind.PREPARED, instance, "h2") is NOTHING
    assert plan(Kind.ACTION, instance, "h2") is NOTHING, "prepared already: a replay"


def test_a_moved_guest_is_cleaned_from_the_source_and_a_refused_one_from_the_destination() -> None:
    moved = active_on("h1")
    moved.request("live_migrate", True, host="h2")
    moved.migration_prepared(TARGET)
    moved.action_succeeded("live_migrate")
    assert (moved.host, moved.vm_state, moved.task_state) == ("h2", VmState.ACTIVE, None)
    assert plan(Kind.SUCCEEDED, moved, "h1", action="live_migrate") == Plan((DESTROY,))
    assert plan(Kind.SUCCEEDED, moved, "h2", action="live_migrate") is NOTHING

    refused = active_on("h1")
    refused.request("live_migrate", True, host="h2")
    refused.migration_prepared(TARGET)
    refused.action_failed("live_migrate", "the destination refused")
    assert (refused.host, refused.vm_state, refused.task_state) == ("h1", VmState.ACTIVE, None)
    assert plan(Kind.FAILED, refused, "h2", action="live_migrate") == Plan((DESTROY,))
    assert refused.task_state is not TaskState.MIGRATING
