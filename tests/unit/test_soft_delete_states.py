"""Which DELETEs a reclaim interval defers (Nova's soft_delete: any vm_state of a server that
was launched), and the host's plans for the soft delete and the restore (no I/O)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.compute.instance import Instance
from domain.compute.states import TaskState, VmState
from domain.process.compute.plans import Outcome, Plan, Power, Spawn, Unrescue
from domain.process.compute.triggers import Kind
from domain.services.compute.deletion import may_defer
from tests.unit.test_worker_plans import BIG, IMAGE, SMALL, active_on, new_instance, plan


def errored() -> Instance:
    instance = active_on("h1")
    instance.reset_state("error")
    return instance


def never_ran() -> Instance:
    """Reset to error while it spawned: Nova's must_have_launched refuses its soft delete."""
    instance = new_instance()
    instance.claim_host("h1")
    instance.reset_state("error")
    return instance


def rescued() -> Instance:
    instance = active_on("h1")
    instance.request("rescue", False)
    instance.action_succeeded("rescue")
    return instance


def resized() -> Instance:
    instance = active_on("h1")
    instance.request("resize", False, flavor=dict(BIG), host="h2", growth={})
    instance.action_succeeded("resize")
    return instance


def stopping() -> Instance:
    instance = active_on("h1")
    instance.request("stop", False)
    return instance


@pytest.mark.parametrize(("make", "state", "deferred"), [
    (lambda: active_on("h1"), VmState.ACTIVE, True),
    (errored, VmState.ERROR, True),
    (rescued, VmState.RESCUED, True),
    (resized, VmState.RESIZED, True),  # its resize confirmed first
    (never_ran, VmState.ERROR, False),
    (stopping, VmState.ACTIVE, False),  # a task in progress: deleted at once
])
def test_a_delete_is_deferred_from_every_resting_state_of_a_server_that_ran(
        make: Callable[[], Instance], state: VmState, deferred: bool) -> None:
    instance = make()
    assert instance.vm_state is state
    assert may_defer(instance) is deferred


def test_an_errored_or_rescued_server_is_powered_off_and_restored_from_its_own_disk() -> None:
    for instance in (errored(), rescued()):
        origin = instance.vm_state
        instance.request("soft_delete", False)
        assert instance.task_state is TaskState.SOFT_DELETING
        # A guest already gone is off: the soft delete does not fail for it.
        assert plan(Kind.ACTION, instance, "h1") == Plan(
            (Power("stop", gone_ok=True),), Outcome.ACTION, "soft_delete")
        instance.action_succeeded("soft_delete")
        assert (instance.vm_state, instance.task_state) == (VmState.SOFT_DELETED, None), origin
        instance.request("restore", False)
        assert plan(Kind.ACTION, instance, "h1") == Plan(
            (Unrescue(Spawn(SMALL, IMAGE)),), Outcome.ACTION, "restore")
        instance.action_succeeded("restore")
        assert instance.vm_state is VmState.ACTIVE
