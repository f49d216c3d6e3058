"""A server deleted while it live-migrates, with both hosts' workers on libvirt's test driver:
the destination has prepared (MigrationPrepared recorded, the migration `running`) and the
source's worker is down before it moves the guest, so the delete is asked for mid-move. When
the source's worker runs again it acts on the delete, not on the move; the destination removes
what it prepared, and its claim goes with the instance (Nova's delete during a live migration:
the migration ends in error, the instance's allocations are deleted). The move itself needs
real guests (tests/e2e/test_live_migration.py); here none is needed."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from domain.compute.backends import MigrationTarget
from domain.compute.node import node_id
from domain.compute.states import TaskState, VmState
from projections.migrations import MigrationViews
from tests.support.fleet import ADMIN, Fleet
from tests.support.waiting import wait_for


def used(fleet: Fleet, host: str) -> tuple[int, int, int, set[str]]:
    """The scheduling read model's view of `host`: what os-hypervisors shows."""
    state = fleet.cloud.capacity.hosts()[host]
    return state.used_vcpus, state.used_ram, state.used_disk, set(state.instances)


def migration_status(fleet: Fleet, instance_id: UUID) -> list[str]:
    fleet.cloud.sync_read_models()
    rows = MigrationViews(fleet.cloud.store).list({"instance_uuid": instance_id.hex})
    return [str(row["status"]) for row in rows]


def test_a_server_deleted_mid_move_leaves_nothing_claimed_on_the_destination(
        fleet: Fleet, tmp_path: Path) -> None:
    for name in ("lm-1", "lm-2"):  # either may be the destination: both take live migrations
        fleet.add_host(name, incoming=MigrationTarget(
            f"test:///{name}", f"tcp://{name}", tmp_path / "hosts" / name / "instances"))
    [vm] = fleet.boot()
    source = str(fleet.wait_until(vm, VmState.ACTIVE).host)
    dest = "lm-2" if source == "lm-1" else "lm-1"
    before = used(fleet, dest)
    fleet.stop(source)  # the source will not move the guest before the delete is asked

    fleet.cloud.actions.live_migrate(ADMIN, vm.hex, dest)
    wait_for(lambda: "target" in (fleet.instance(vm).pending or {}), "the destination to prepare")
    assert used(fleet, dest) != before and migration_status(fleet, vm) == ["running"]
    fleet.cloud.actions.delete(ADMIN, vm.hex)
    assert fleet.instance(vm).task_state is TaskState.DELETING
    assert migration_status(fleet, vm) == ["error"]

    fleet.start(source)  # acts on the delete: the guest goes, then the claims
    wait_for(lambda: fleet.instance(vm).deleted, "the delete")
    wait_for(lambda: fleet.host_of_guest(vm) == [], "no guest of it anywhere")
    assert vm.hex not in str(fleet.cloud.app.repository.get(node_id(dest)).claims)
    assert used(fleet, dest) == before
    assert migration_status(fleet, vm) == []
    fleet.check_ledgers()
