"""Boots through several workers on one event store; deletes; a spawn that fails reschedules."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from uuid import UUID

from adapters.blobs import FileBlobStore
from domain.compute.states import VmState
from domain.context import RequestContext
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for


def test_boots_land_on_hosts_that_fit_and_become_active(fleet: Fleet) -> None:
    fleet.add_host("big-node", vcpus=8, memory_mib=8192)
    fleet.add_host("small-node", vcpus=2, memory_mib=2048)
    fleet.add_host("tiny-node", vcpus=1, memory_mib=1024)
    huge = fleet.boot("huge")  # 4 vCPU, 6 GiB: only the big node can take it
    smalls = fleet.boot("small", max_count=4)
    for instance_id in huge + smalls:
        fleet.wait_until(instance_id, VmState.ACTIVE)
    assert fleet.instance(huge[0]).host == "big-node"
    assert {fleet.instance(i).host for i in smalls} <= set(fleet.hosts)
    for instance_id in huge + smalls:
        assert fleet.host_of_guest(instance_id) == [fleet.instance(instance_id).host]
    fleet.check_guests()
    fleet.check_ledgers()


def test_delete_leaves_no_domain_and_releases_everything(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    fleet.add_host("node-2")
    ids = fleet.boot("big", max_count=3)
    for instance_id in ids:
        fleet.wait_until(instance_id, VmState.ACTIVE)
    for instance_id in ids:
        fleet.cloud.actions.delete(USER, instance_id.hex)
    for instance_id in ids:
        wait_for(lambda i=instance_id: fleet.instance(i).deleted, f"{instance_id} deleted")  # type: ignore[misc]
        assert fleet.host_of_guest(instance_id) == []
    fleet.check_ledgers()
    assert all(fleet.cloud.hosts.node(name).claims == {} for name in fleet.hosts)


def test_a_host_without_the_image_file_fails_the_spawn_and_it_reschedules(
        fleet: Fleet, tmp_path: Path) -> None:
    # Equal hosts score equally and the scheduler then takes names in order: "a-..." first.
    fleet.add_host("a-no-images", blobs=FileBlobStore(tmp_path / "empty-image-store"))
    fleet.add_host("b-has-images")
    [instance_id] = fleet.boot()
    instance = fleet.wait_until(instance_id, VmState.ACTIVE)
    assert instance.host == "b-has-images"
    assert instance.tried_hosts == ["a-no-images"]
    assert fleet.host_of_guest(instance_id) == ["b-has-images"]
    events: list[Any] = list(fleet.cloud.app.repository.event_store.get(instance_id))
    failed = [e for e in events if type(e).__name__ == "SpawnFailed"]
    assert len(failed) == 1 and "not available on host a-no-images" in failed[0].reason
    fleet.check_ledgers()


def test_every_host_failing_ends_in_error_with_no_guest_left(fleet: Fleet, tmp_path: Path) -> None:
    empty = FileBlobStore(tmp_path / "empty-image-store")
    for name in ("n1", "n2"):
        fleet.add_host(name, blobs=empty)
    [instance_id] = fleet.boot()
    instance = fleet.wait_until(instance_id, VmState.ERROR)
    assert sorted(instance.tried_hosts) == ["n1", "n2"] and instance.host is None
    assert "No valid host was found" in (instance.fault or {}).get("message", "")
    assert fleet.host_of_guest(instance_id) == []
    fleet.check_ledgers()


def test_outcomes_continue_the_request_that_caused_them(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    ctx = RequestContext(user_id=USER.user_id, project_id=USER.project_id,
                         request_id="req-trace-me", roles=USER.roles)
    [instance_id] = fleet.boot()
    fleet.wait_until(instance_id, VmState.ACTIVE)
    fleet.cloud.actions.act(ctx, instance_id.hex, "stop")
    fleet.wait_until(instance_id, VmState.STOPPED)
    events: list[Any] = list(fleet.cloud.app.repository.event_store.get(instance_id))
    spawned = next(e for e in events if type(e).__name__ == "Spawned")
    requested = [e for e in events if e.meta["request_id"] == "req-trace-me"]
    assert [type(e).__name__ for e in requested] == ["ActionRequested", "ActionSucceeded"]
    assert requested[0].meta["user_id"] == "u1"
    assert requested[1].meta["user_id"] == "compute:node-1"
    assert spawned.meta["user_id"] == "compute:node-1"
    assert spawned.meta["request_id"] == events[0].meta["request_id"]  # the boot's request


def test_each_port_becomes_a_nic_on_its_network_bridge(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [instance_id] = fleet.boot(networks="auto")
    instance = fleet.wait_until(instance_id, VmState.ACTIVE)
    [port] = instance.ports
    network = fleet.cloud.app.find(UUID(port["network_id"]))
    host = fleet.hosts["node-1"]
    xml = ET.fromstring(host.hypervisor._require(instance_id).XMLDesc(0))
    nics = [(i.get("type"), i.find("mac").get("address"), i.find("source").get("bridge"))  # type: ignore[union-attr]
            for i in xml.findall("./devices/interface")]
    assert nics == [("bridge", port["mac"], f"brq{network.segmentation_id}")]


def test_a_server_without_networks_has_no_nic(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [instance_id] = fleet.boot(networks="none")
    fleet.wait_until(instance_id, VmState.ACTIVE)
    xml = ET.fromstring(fleet.hosts["node-1"].hypervisor._require(instance_id).XMLDesc(0))
    assert xml.findall("./devices/interface") == []
