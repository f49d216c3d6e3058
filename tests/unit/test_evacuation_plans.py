"""The compute workers' decisions for an evacuation (no I/O): only the new host acts on the
request, rebuilding the guest (stopped again if it was stopped); once the instance records the
old host as evacuated from, every event that host's worker sees makes it destroy its guest and
report the clean-up, until that is recorded."""

from __future__ import annotations

from domain.compute.states import VmState, api_status
from domain.process.compute.plans import DESTROY, NOTHING, Outcome, Plan, Power, Spawn
from domain.process.compute.triggers import Kind
from tests.unit.test_worker_plans import IMAGE, SMALL, active_on, plan


def test_the_new_host_rebuilds_and_the_old_one_cleans_up_when_it_runs_again() -> None:
    instance = active_on("h1")
    instance.request("evacuate", True, host="h2", migration_type="evacuation")
    assert api_status(instance.vm_state, instance.task_state) == "REBUILD"
    assert plan(Kind.ACTION, instance, "h2") == Plan(
        (Spawn(SMALL, IMAGE),), Outcome.ACTION, "evacuate", undo=(DESTROY,))
    assert plan(Kind.ACTION, instance, "h1") is NOTHING, "the old host is down"
    instance.action_succeeded("evacuate")
    instance.evacuated("h1")
    assert (instance.host, instance.vm_state) == ("h2", VmState.ACTIVE)
    cleanup = Plan((DESTROY,), Outcome.CLEANED)
    assert plan(Kind.ACTION, instance, "h1") == cleanup, "a replay of the request, on return"
    assert plan(Kind.SUCCEEDED, instance, "h1", action="evacuate") == cleanup
    assert plan(Kind.SUCCEEDED, instance, "h2", action="evacuate") is NOTHING
    instance.evacuation_cleaned_up("h1")
    instance.evacuation_cleaned_up("h1")  # a replayed report changes nothing
    assert instance.evacuated_from() == []
    assert plan(Kind.SUCCEEDED, instance, "h1", action="evacuate") == Plan((DESTROY,))


def test_a_server_evacuated_stopped_is_rebuilt_then_stopped() -> None:
    instance = active_on("h1")
    instance.request("evacuate", True, host="h2", from_state="stopped")
    assert plan(Kind.ACTION, instance, "h2") == Plan(
        (Spawn(SMALL, IMAGE), Power("stop")), Outcome.ACTION, "evacuate", undo=(DESTROY,))
    instance.action_succeeded("evacuate")
    assert instance.vm_state is VmState.STOPPED
