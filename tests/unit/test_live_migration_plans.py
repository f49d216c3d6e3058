"""The compute workers' decisions for a live migration (no I/O): the destination prepares, its
report sends the source, and the end of the move cleans up the host that no longer holds it."""

from __future__ import annotations

from typing import Any, cast

import pytest

from domain.compute.instance import Instance
from domain.compute.instance_live_control import ABORT, ABORTED, FORCE_COMPLETE
from domain.compute.states import TaskState, VmState, api_status
from domain.errors import InvalidInput, InvalidState
from domain.process.compute.executor import Executor
from domain.process.compute.plans import (
    DESTROY,
    NOTHING,
    LiveMigrate,
    Outcome,
    Plan,
    PrepareIncoming,
    Refuse,
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


def test_an_abort_asked_while_the_destination_prepares_fails_the_move_at_the_source() -> None:
    instance = active_on("h1")
    instance.request("live_migrate", True, host="h2", block_migration=True)
    instance.check_live_control(ABORT, True)
    instance.request_live_control(ABORT, "7", queued_too=True)
    instance.request_live_control(ABORT, "7", queued_too=True)  # asked twice: recorded once
    assert [type(e).__name__ for e in instance.collect_events()][-1:] == \
        ["LiveMigrationControlRequested"]
    instance.migration_prepared(TARGET)
    assert plan(Kind.PREPARED, instance, "h1") == Plan(
        (Refuse(ABORTED),), Outcome.ACTION, "live_migrate")


def test_only_a_running_move_is_forced_and_only_from_2_65_a_preparing_one_aborted() -> None:
    instance = active_on("h1")
    with pytest.raises(InvalidState):  # not migrating: Nova's 409
        instance.check_live_control(FORCE_COMPLETE, True)
    instance.request("live_migrate", True, host="h2", block_migration=True)
    for control, queued_too in ((FORCE_COMPLETE, True), (ABORT, False)):
        with pytest.raises(InvalidInput, match="is preparing"):  # Nova's 400
            instance.request_live_control(control, "7", queued_too)
    instance.migration_prepared(TARGET)
    instance.request_live_control(FORCE_COMPLETE, "7", queued_too=False)
    assert instance.pending is not None and instance.pending[FORCE_COMPLETE] is True
    assert plan(Kind.PREPARED, instance, "h1") == Plan(
        (LiveMigrate(TARGET),), Outcome.ACTION, "live_migrate"), "the move itself reads it"


class Loads:
    """Stands in for OutcomeService.load, the executor's read of the instance mid-move."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def load(self, _instance_id: object) -> Instance | None:
        return None if self.instance.deleted else self.instance


def test_a_delete_asked_mid_move_stops_the_move_and_each_host_acts_on_the_delete() -> None:
    instance = active_on("h1")
    instance.request("live_migrate", True, host="h2", block_migration=True)
    instance.migration_prepared(TARGET)
    source = Executor(cast(Any, None), cast(Any, Loads(instance)), cast(Any, None), "h1")
    assert source.live_control(instance.id) is None
    instance.request_delete()
    assert source.live_control(instance.id) == ABORT, "Nova's delete ends the move"
    instance.action_failed("live_migrate", ABORTED)  # the stopped move's report: the delete's
    assert instance.task_state is TaskState.DELETING and instance.host == "h1"
    assert plan(Kind.PREPARED, instance, "h1") is NOTHING
    assert plan(Kind.DELETE, instance, "h1") == Plan((DESTROY,), Outcome.DELETE)
    assert plan(Kind.DELETE, instance, "h2") == Plan((DESTROY,)), "what it prepared goes"
    instance.mark_deleted()
    assert source.live_control(instance.id) == ABORT


def test_a_destination_ready_after_the_delete_sends_no_one_to_move_the_guest() -> None:
    instance = active_on("h1")
    instance.request("live_migrate", True, host="h2", block_migration=True)
    instance.request_delete()
    instance.migration_prepared(TARGET)
    assert "target" not in (instance.pending or {})
    assert plan(Kind.PREPARED, instance, "h1") is NOTHING
