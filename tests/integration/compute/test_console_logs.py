"""Console output: the worker records what its guests print as Console events; the API reads
the console_logs read model built from them."""

from __future__ import annotations

import uuid

from domain.compute.console import MAX_CHARS, Console, console_id
from domain.compute.states import VmState
from domain.services.compute.consoles import ConsoleService
from ops.bootstrap import Cloud
from tests.support.fleet import USER, Consoles, Fleet
from tests.support.read_models import dump_table
from tests.support.waiting import wait_for


def test_the_table_keeps_the_tail_per_instance(compute_cloud: Cloud) -> None:
    logs, worker = Consoles(compute_cloud), ConsoleService(compute_cloud.app)
    vm = uuid.uuid4()
    assert logs.read(vm) == "" and logs.get(vm) is None and logs.get("not-a-uuid") is None
    worker.write(vm, "h1", "one\ntwo\nthree\n")
    assert logs.read(vm) == logs.read(vm.hex) == "one\ntwo\nthree\n"
    assert logs.read(str(vm), length=3) == "two\nthree\n"  # Nova counts the '' after the last \n
    assert logs.read(vm, length=0) == ""
    worker.write(vm, "h1", "x" * (MAX_CHARS + 10) + "\x00end")
    stored = logs.read(vm)
    assert len(stored) == MAX_CHARS - 1 and stored.endswith("end") and "\x00" not in stored
    row = logs.get(vm)
    assert row is not None and row.host == "h1" and row.updated_at
    worker.remove(vm, "h2")  # not h2's row: another host wrote it last
    assert logs.read(vm).endswith("end")
    worker.remove(vm, "h1")
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
    assert fleet.consoles.read(vm, length=2) == "login: \n"
    assert fleet.consoles.get(vm).host == "node-1"  # type: ignore[union-attr]
    fleet.cloud.actions.delete(USER, vm.hex)
    wait_for(lambda: fleet.instance(vm).deleted, "the delete")
    assert fleet.consoles.get(vm) is None


def test_a_test_driver_guest_says_each_power_on_on_its_console(fleet: Fleet) -> None:
    """The test driver runs no guest: its adapter writes the line a firmware would, so a
    console read (Tempest polls until it is not empty) shows each boot."""
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    wait_for(lambda: "powered on" in fleet.consoles.read(vm), "the boot line on the console")
    fleet.cloud.actions.act(USER, vm.hex, "reboot_hard")
    fleet.wait_until(vm, VmState.ACTIVE, "the hard reboot")
    wait_for(lambda: "hard reboot" in fleet.consoles.read(vm), "the reboot line")
    assert fleet.consoles.read(vm).count("\n") == 6  # three lines a boot
    # Nova's cut: the last pieces of the text split at newlines, the empty one after the last
    # newline included
    assert fleet.consoles.read(vm, length=2) == f"{vm}: these lines are skyledger's libvirt " \
                                                "adapter's\n"


def test_the_rebuilt_read_model_equals_the_live_one(compute_cloud: Cloud) -> None:
    """Followed a reading at a time, then rebuilt from event zero in small batches: the same
    rows, each holding the text of its Console aggregate."""
    app, logs = compute_cloud.app, Consoles(compute_cloud)
    worker = ConsoleService(app)
    printed = "".join(f"[{n:5d}] a line the guest printed\n" for n in range(5000))  # > 100 KiB
    window = MAX_CHARS - 1000  # the hypervisor reads the log's last 100 KiB of bytes
    grown, moved, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ends = range(0, len(printed), 7000)
    for end in ends:
        worker.write(grown, "h1", printed[:end][-window:])
        logs.read(grown)  # followed as it grows
    worker.write(moved, "h1", "on h1\n")
    worker.write(moved, "h1", "on h1\nresizing\n")
    worker.write(moved, "h2", "on h2\n")
    worker.remove(moved, "h1")  # the resize's source host, after h2 took over
    worker.write(gone, "h1", "bye\n")
    worker.remove(gone, "h1")
    assert logs.read(moved) == "on h2\n" and logs.get(gone) is None
    live = dump_table(compute_cloud.store, "console_logs")
    runner = compute_cloud.runners["console_logs"]
    runner.batch_size = 3
    assert runner.rebuild() == app.head()
    assert dump_table(compute_cloud.store, "console_logs") == live and len(live) == 2
    for vm in (grown, moved):
        assert logs.read(vm) == app.get(console_id(vm), Console).text
    # The last 100 KiB of what the guest printed, from the first reading and then appends only.
    assert logs.read(grown) == printed[:ends[-1]][-MAX_CHARS:]
    events = [type(e).__name__ for e in app.repository.event_store.get(console_id(grown))]
    assert events == ["Opened"] + ["Appended"] * (len(ends) - 1)
