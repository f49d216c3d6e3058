"""Restarting from any tracked position converges: the strongest case is replaying everything.

Workers rewound to position zero see every event of a busy history again (boots, a failed spawn,
actions, a cross-host resize, a rebuild, deletes). Deciding from current state, they must record
nothing new and leave exactly the guests that were there.
"""

from __future__ import annotations

from pathlib import Path

from adapters.blobs import FileBlobStore
from domain.compute.states import VmState
from domain.process.compute.drift import DriftService
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for


def busy_history(fleet: Fleet) -> None:
    a, b, c, d = fleet.boot(max_count=4)
    for vm in (a, b, c, d):
        fleet.wait_until(vm, VmState.ACTIVE)
    actions = fleet.cloud.actions
    actions.act(USER, a.hex, "stop")
    actions.rebuild(USER, b.hex, fleet.image2)
    actions.resize(USER, c.hex, "big")
    actions.delete(USER, d.hex)
    fleet.wait_until(a, VmState.STOPPED)
    fleet.wait_until(b, VmState.ACTIVE)
    fleet.wait_until(c, VmState.RESIZED)
    actions.confirm_resize(USER, c.hex)
    actions.act(USER, b.hex, "pause")
    fleet.wait_until(c, VmState.ACTIVE)
    fleet.wait_until(b, VmState.PAUSED)
    wait_for(lambda: fleet.instance(d).deleted, "the delete")


def test_replaying_the_whole_log_changes_nothing(fleet: Fleet, tmp_path: Path) -> None:
    fleet.add_host("a-no-images", vcpus=1, memory_mib=1024,
                   blobs=FileBlobStore(tmp_path / "empty"))  # every spawn here fails
    fleet.add_host("b-node", vcpus=2, memory_mib=2048)
    fleet.add_host("c-node", vcpus=4, memory_mib=4096)
    busy_history(fleet)
    assert any(fleet.instance(vm).tried_hosts == ["a-no-images"] for vm in fleet.booted)
    for name in fleet.hosts:
        fleet.stop(name)
    store = fleet.cloud.app.repository.event_store
    before = {vm: len(list(store.get(vm))) for vm in fleet.booted}
    guests = {name: host.guests() for name, host in fleet.hosts.items()}
    with fleet.cloud.store.transaction() as cur:
        cur.execute("UPDATE process_positions SET position = 0")

    head = fleet.cloud.app.head()
    for name in fleet.hosts:
        fleet.start(name)
    for name, host in fleet.hosts.items():
        worker = host.compute.worker  # type: ignore[union-attr]
        wait_for(lambda w=worker: w.position >= head, f"{name} to replay")  # type: ignore[misc]
    assert {vm: len(list(store.get(vm))) for vm in fleet.booted} == before
    assert {name: host.guests() for name, host in fleet.hosts.items()} == guests
    assert all(DriftService(fleet.cloud.app).of(name) is None for name in fleet.hosts)
    fleet.check_guests()
    fleet.check_ledgers()
