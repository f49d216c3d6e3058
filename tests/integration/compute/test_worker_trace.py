"""What compute workers do without an outcome event of their own is traced too: the source host's
stop and clean-up of a cross-host resize, and a reconciler's destroy of a stray guest, are
recorded as `HostChange.Applied` (domain/process/host_changes.py) under the request that caused
them, with the libvirt calls in their meta. Libvirt test-driver hosts, both event stores."""

from __future__ import annotations

from typing import Any

from domain.compute.states import VmState
from domain.context import RequestContext
from domain.process.compute.drift import drift_id
from projections.audit import AuditViews
from tests.support.fleet import Fleet
from tests.support.waiting import wait_for


def asking(request_id: str) -> RequestContext:
    return RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"),
                          request_id=request_id)


def traced(fleet: Fleet, request_id: str) -> list[dict[str, Any]]:
    fleet.cloud.runners["audit"].catch_up()
    return AuditViews(fleet.cloud.store).trace(request_id)


def by_host(rows: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """host -> (event, libvirt action) of each HostChange recorded with the request."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row["aggregate_type"] == "HostChange":
            found.setdefault(row["data"]["host"], []).extend(
                (row["data"]["cause"].split()[0], e["action"]) for e in row["effects"])
    return found


def test_a_cross_host_resize_traces_the_source_hosts_stop_and_clean_up(fleet: Fleet) -> None:
    fleet.add_host("a-small", vcpus=1, memory_mib=1024)
    fleet.add_host("b-big", vcpus=4, memory_mib=4096)
    [vm] = fleet.boot()
    assert fleet.wait_until(vm, VmState.ACTIVE).host == "a-small"
    fleet.cloud.actions.resize(asking("req-resize-traced"), vm.hex, "big")
    fleet.wait_until(vm, VmState.RESIZED, "the cross-host resize")
    wait_for(lambda: fleet.host_of_guest(vm) == ["b-big"], "the source's guest to go")
    # Once the destination reported success, the source destroys its copy: that clean-up has
    # no outcome event of its own. (Whether the source also had to stop the guest first
    # depends on which worker saw the request first; a stop would be traced as well.)
    def source_clean_up() -> list[str]:
        return [action for cause, action in by_host(traced(fleet, "req-resize-traced")).get(
            "a-small", []) if cause == "succeeded"]

    assert wait_for(source_clean_up, "the source's clean-up to be recorded")[-1:] == [
        "undefine"]
    rows = traced(fleet, "req-resize-traced")
    source = by_host(rows)
    assert set(source) == {"a-small"}  # the destination's work is in its outcome event
    assert {"shutdown", "destroy"} & {action for _, action in source["a-small"]}
    [succeeded] = [r for r in rows if (r["aggregate_type"], r["event"]) ==
                   ("Instance", "ActionSucceeded")]
    assert succeeded["user_id"] == "compute:b-big"
    assert [(e["action"], e["target"]) for e in succeeded["effects"]] == [
        ("defineXML", str(vm)), ("create", str(vm))]


def test_a_stray_guest_destroyed_by_the_reconciler_is_traced_to_its_pass(fleet: Fleet) -> None:
    host = fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    fleet.stop("node-1")
    # The host is down (its heartbeat not yet stale): a local delete, with no host to act.
    fleet.cloud.actions.delete(asking("req-local-delete"), vm.hex, host_is_up=False)
    assert by_host(traced(fleet, "req-local-delete")) == {}
    fleet.start("node-1")
    wait_for(lambda: vm not in host.guests(), "the stray guest to be destroyed")
    fleet.cloud.runners["audit"].catch_up()
    [observed] = AuditViews(fleet.cloud.store).events(aggregate_id=drift_id("node-1").hex)[-1:]
    assert observed["event"] == "StrayGuestObserved"
    wait_for(lambda: by_host(traced(fleet, observed["request_id"])),
             "the destroy to be recorded")
    assert by_host(traced(fleet, observed["request_id"])) == {
        "node-1": [("stray", "destroy"), ("stray", "undefine")]}
