"""Compute commands end to end on the in-memory event store: claims never leak."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.node import ComputeNode, node_id
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.errors import InvalidState, QuotaExceeded
from domain.quota.ledger import ledger_id
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootRequest, BootService
from domain.services.compute.hosts import HostRegistration, HostService
from domain.services.compute.outcomes import OutcomeService
from projections.capacity import HostCapacities

CTX = RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"))


class Cloud:
    def __init__(self, hosts: dict[str, int]) -> None:
        self.app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.view = HostCapacities(self.app)
        self.boots = BootService(self.app, self.view)
        self.actions = ActionService(self.app, self.view)
        self.outcomes = OutcomeService(self.app, self.view)
        self.hosts = HostService(self.app)
        for name, vcpus in hosts.items():
            self.hosts.register(
                CTX, HostRegistration(name, "QEMU", vcpus, 4096, 100, cpu_ratio=1.0, ram_ratio=1.0)
            )
        for flavorid, vcpus, ram in (("small", 1, 512), ("big", 2, 1024)):
            self.app.save(Flavor(flavorid, flavorid, ram, vcpus, 1, 0, 0, 1.0, True, None))
        image = Image("cirros", "p1", "public", "qcow2", "bare", 0, 0, False, [], {})
        image.upload(10, "md5", "sha", "hash")
        self.app.save(image)
        self.image = image.id.hex

    def boot(self, flavor: str = "small", **kw: object) -> list[UUID]:
        req = BootRequest(name="vm", flavor_ref=flavor, image_ref=self.image, **kw)  # type: ignore[arg-type]
        return [i.id for i in self.boots.boot(CTX, req)]

    def instance(self, instance_id: UUID):  # type: ignore[no-untyped-def]
        return self.app.repository.get(instance_id)

    def assert_ledgers_match_live_instances(self, instance_ids: list[UUID]) -> None:
        live = [self.instance(i) for i in instance_ids]
        live = [i for i in live if not i.deleted]
        ledger = self.app.repository.get(ledger_id("p1"))
        for resource in ("instances", "cores", "ram"):
            assert ledger.used(resource) == sum(i.quota_held()[resource] for i in live), resource
        for host in self.view.hosts():
            node: ComputeNode = self.app.repository.get(node_id(host))
            assert node.used()["vcpus"] <= node.limits()["vcpus"]
            expected = sum(i.resources()["vcpus"] for i in live if i.host == host and i.host)
            pending = sum(
                i.pending["flavor"]["vcpus"]
                for i in live
                if i.pending and i.pending.get("host") == host and "flavor" in i.pending
            )
            old = sum(
                i.old_flavor["vcpus"]
                for i in live
                if i.old_flavor and (i.resize_from or {}).get("host") == host
            )
            assert node.used()["vcpus"] == expected + pending + old, host


def test_boot_spawn_act_and_delete_release_everything() -> None:
    cloud = Cloud({"h1": 2, "h2": 2})
    [vm] = cloud.boot()
    instance = cloud.instance(vm)
    assert instance.vm_state is VmState.BUILDING and instance.host in ("h1", "h2")
    cloud.outcomes.spawned(CTX, vm, instance.host)
    assert cloud.instance(vm).vm_state is VmState.ACTIVE
    cloud.actions.act(CTX, vm.hex, "stop")
    with pytest.raises(InvalidState):
        cloud.actions.act(CTX, vm.hex, "pause")
    cloud.outcomes.action_succeeded(CTX, vm, "stop")
    assert cloud.instance(vm).vm_state is VmState.STOPPED
    cloud.assert_ledgers_match_live_instances([vm])
    cloud.actions.delete(CTX, vm.hex)
    cloud.outcomes.deleted(CTX, vm)
    cloud.assert_ledgers_match_live_instances([vm])
    assert all(cloud.app.repository.get(node_id(h)).claims == {} for h in ("h1", "h2"))


def test_hosts_fill_up_then_no_valid_host() -> None:
    cloud = Cloud({"h1": 1, "h2": 1})
    ids = cloud.boot(max_count=2) + cloud.boot()
    states = [cloud.instance(i).vm_state for i in ids]
    assert states.count(VmState.BUILDING) == 2 and states.count(VmState.ERROR) == 1
    assert "No valid host" in cloud.instance(ids[2]).fault["message"]
    assert {cloud.instance(i).host for i in ids[:2]} == {"h1", "h2"}
    cloud.assert_ledgers_match_live_instances(ids)


def test_spawn_failure_reschedules_then_gives_up() -> None:
    cloud = Cloud({"h1": 1, "h2": 1, "h3": 1})
    [vm] = cloud.boot()
    tried = []
    for _ in range(3):
        host = cloud.instance(vm).host
        tried.append(host)
        cloud.outcomes.spawn_failed(CTX, vm, host, "disk full")
    instance = cloud.instance(vm)
    assert len(set(tried)) == 3
    assert (
        instance.vm_state is VmState.ERROR
        and "maximum number of retries" in instance.fault["message"]
    )
    cloud.assert_ledgers_match_live_instances([vm])
    cloud.actions.delete(CTX, vm.hex)
    cloud.assert_ledgers_match_live_instances([vm])


def test_resize_confirm_and_revert_keep_ledgers_exact() -> None:
    cloud = Cloud({"h1": 6})
    [a, b] = cloud.boot(max_count=2)
    for vm in (a, b):
        cloud.outcomes.spawned(CTX, vm, "h1")
    cloud.actions.resize(CTX, a.hex, "big")
    cloud.actions.resize(CTX, b.hex, "big")
    cloud.assert_ledgers_match_live_instances([a, b])
    for vm in (a, b):
        cloud.outcomes.action_succeeded(CTX, vm, "resize")
    cloud.assert_ledgers_match_live_instances([a, b])
    cloud.actions.confirm_resize(CTX, a.hex)
    cloud.outcomes.action_succeeded(CTX, a, "confirm_resize")
    cloud.actions.revert_resize(CTX, b.hex)
    cloud.outcomes.action_succeeded(CTX, b, "revert_resize")
    assert cloud.instance(a).flavor["id"] == "big" and cloud.instance(b).flavor["id"] == "small"
    cloud.assert_ledgers_match_live_instances([a, b])
    node = cloud.app.repository.get(node_id("h1"))
    assert node.used()["vcpus"] == 3


def test_quota_admits_up_to_the_limit() -> None:
    cloud = Cloud({"h1": 64})
    booted = cloud.boot(max_count=10)
    assert len(booted) == 10
    with pytest.raises(QuotaExceeded, match="Quota exceeded for instances"):
        cloud.boot()


def test_multi_create_is_placed_whole_or_not_at_all() -> None:
    cloud = Cloud({"h1": 1, "h2": 1})
    ids = cloud.boot(max_count=3)
    assert [cloud.instance(i).vm_state for i in ids] == [VmState.ERROR] * 3
    assert all(cloud.app.repository.get(node_id(h)).claims == {} for h in ("h1", "h2"))
    cloud.assert_ledgers_match_live_instances(ids)
    assert len(cloud.boot(max_count=2)) == 2  # and the hosts are still free for a request that fits
