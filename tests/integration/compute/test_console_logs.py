"""Console output: the worker keeps the console_logs table fresh; the API reads it from there."""

from __future__ import annotations

import uuid

from adapters.console_logs import MAX_CHARS, ConsoleLogs
from domain.compute.states import VmState
from ops.bootstrap import Cloud
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for


def test_the_table_keeps_the_tail_per_instance(compute_cloud: Cloud) -> None:
    logs = ConsoleLogs(compute_cloud.store)
    vm = uuid.uuid4()
    assert logs.read(vm) == "" and logs.get(vm) is None and logs.get("not-a-uuid") is None
    logs.write(vm, "h1", "one\ntwo\nthree\n")
    assert logs.read(vm) == logs.read(vm.hex) == "one\ntwo\nthree\n"
    assert logs.read(str(vm), length=2) == "two\nthree\n"
    assert logs.read(vm, length=0) == ""
    logs.write(vm, "h1", "x" * (MAX_CHARS + 10) + "\x00end")
    stored = logs.read(vm)
    assert len(stored) == MAX_CHARS - 1 and stored.endswith("end") and "\x00" not in stored
    row = logs.get(vm)
    assert row is not None and row.host == "h1" and row.updated_at
    ConsoleLogs(compute_cloud.store).remove(vm, "h2")  # not h2's row: another host wrote it last
    assert logs.read(vm).endswith("end")
    logs.remove(vm, "h1")
    assert logs.get(vm) is None


def test_the_worker_publishes_what_the_guest_prints(fleet: Fleet) -> None:
    host = fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    wait_for(lambda: fleet.consoles.get(vm) is not None, "a console row after the spawn")
    console = host.console_file(vm)
    console.parent.mkdir(parents=True, exist_ok=True)
    console.write_bytes(b"booting\r\nlogin: \r\n")  # what a guest's serial port would write
    wait_for(lambda: fleet.consoles.read(vm) == "booting\nlogin: \n", "the output to appear")
    assert fleet.consoles.read(vm, length=1) == "login: \n"
    assert fleet.consoles.get(vm).host == "node-1"  # type: ignore[union-attr]
    fleet.cloud.actions.delete(USER, vm.hex)
    wait_for(lambda: fleet.instance(vm).deleted, "the delete")
    assert fleet.consoles.get(vm) is None
