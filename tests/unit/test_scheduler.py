"""Scheduler filters and weighers one by one, then the indexed Scheduler against the naive one.

Each filter answers one question about one host, so each is tested with a host that just passes
and one that just fails. The indexed Scheduler must propose exactly what NaiveScheduler (filter
everything, weigh, sort) proposes, on random host sets and after claims and releases re-sort the
index; the random cases use fixed seeds, so a failure reproduces.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from domain.compute.scheduling.filters import (
    AvailabilityZoneFilter,
    ComputeFilter,
    CoreFilter,
    DifferentHostFilter,
    DiskFilter,
    IgnoreTriedHostsFilter,
    ImagePropertiesFilter,
    RamFilter,
    RequestedHostFilter,
    SameHostFilter,
    ServerGroupAffinityFilter,
    ServerGroupAntiAffinityFilter,
    default_filters,
)
from domain.compute.scheduling.host_state import HostState, RequestSpec
from domain.compute.scheduling.index import CapacityIndex
from domain.compute.scheduling.scheduler import NaiveScheduler, Scheduler
from domain.compute.scheduling.weighers import (
    CpuWeigher,
    InstanceCountWeigher,
    RamWeigher,
    Weighted,
    default_weighers,
    score,
)

NOW = 10_000.0


def host(name: str = "h1", **kw: object) -> HostState:
    values: dict[str, object] = dict(availability_zone="nova", hypervisor_type="QEMU", vcpus=8,
                                     memory_mb=8192, disk_gb=100, last_beat=NOW)
    values.update(kw)
    return HostState(name, **values)  # type: ignore[arg-type]


def spec(**kw: object) -> RequestSpec:
    values: dict[str, object] = dict(instance_id="i1", project_id="p1", vcpus=1, ram=512, disk=1)
    values.update(kw)
    return RequestSpec(**values)  # type: ignore[arg-type]


# -- filters ----------------------------------------------------------------------------------
def test_availability_zone_filter() -> None:
    f = AvailabilityZoneFilter()
    assert f.host_passes(host(availability_zone="az1"), spec())
    assert f.host_passes(host(availability_zone="az1"), spec(availability_zone="az1"))
    assert not f.host_passes(host(availability_zone="az2"), spec(availability_zone="az1"))


def test_ram_filter_applies_the_allocation_ratio() -> None:
    # 1024 MB x 1.5 = 1536 MB claimable; 1000 used leaves exactly 536.
    h = host(memory_mb=1024, ram_ratio=1.5, used_ram=1000)
    assert RamFilter().host_passes(h, spec(ram=536))
    assert not RamFilter().host_passes(h, spec(ram=537))
    assert not RamFilter().host_passes(replace(h, ram_ratio=1.0), spec(ram=25))


def test_core_filter_applies_the_allocation_ratio() -> None:
    h = host(vcpus=4, cpu_ratio=2.0, used_vcpus=7)
    assert CoreFilter().host_passes(h, spec(vcpus=1))
    assert not CoreFilter().host_passes(h, spec(vcpus=2))
    assert not CoreFilter().host_passes(replace(h, cpu_ratio=1.0), spec(vcpus=1))


def test_disk_filter_applies_the_allocation_ratio() -> None:
    h = host(disk_gb=10, disk_ratio=1.0, used_disk=9)
    assert DiskFilter().host_passes(h, spec(disk=1))
    assert not DiskFilter().host_passes(h, spec(disk=2))
    assert DiskFilter().host_passes(replace(h, disk_ratio=2.0), spec(disk=11))


def test_compute_filter_wants_enabled_hosts_that_reported_recently() -> None:
    f = ComputeFilter(down_after=60.0, clock=lambda: NOW)
    assert f.host_passes(host(last_beat=NOW - 60.0), spec())
    assert not f.host_passes(host(last_beat=NOW - 60.5), spec())
    assert not f.host_passes(host(enabled=False), spec())


def test_compute_filter_reads_the_injected_clock_on_every_decision() -> None:
    now = [NOW]
    f = ComputeFilter(down_after=10.0, clock=lambda: now[0])
    h = host(last_beat=NOW)
    assert f.host_passes(h, spec())
    now[0] += 11.0
    assert not f.host_passes(h, spec())


def test_affinity_filter() -> None:
    f = ServerGroupAffinityFilter()
    assert f.host_passes(host("h2"), spec(group_policy="affinity"))  # first member: anywhere
    assert f.host_passes(host("h1"), spec(group_policy="affinity", group_hosts=("h1",)))
    assert not f.host_passes(host("h2"), spec(group_policy="affinity", group_hosts=("h1",)))
    assert f.host_passes(host("h2"), spec(group_policy="soft-affinity", group_hosts=("h1",)))


def test_anti_affinity_filter_counts_members_per_host() -> None:
    f = ServerGroupAntiAffinityFilter()
    one = spec(group_policy="anti-affinity", group_hosts=("h1", "h2"))
    assert not f.host_passes(host("h1"), one)
    assert f.host_passes(host("h3"), one)
    two = replace(one, group_max_per_host=2)
    assert f.host_passes(host("h1"), two)
    assert not f.host_passes(host("h1"), replace(two, group_hosts=("h1", "h1")))
    assert f.host_passes(host("h1"), replace(one, group_policy="soft-anti-affinity"))


def test_same_and_different_host_filters() -> None:
    assert SameHostFilter().host_passes(host("h1"), spec())
    assert SameHostFilter().host_passes(host("h1"), spec(same_host=("h1",)))
    assert not SameHostFilter().host_passes(host("h2"), spec(same_host=("h1",)))
    assert DifferentHostFilter().host_passes(host("h2"), spec(different_host=("h1",)))
    assert not DifferentHostFilter().host_passes(host("h1"), spec(different_host=("h1",)))


def test_requested_host_filter() -> None:
    assert RequestedHostFilter().host_passes(host("h1"), spec())
    assert RequestedHostFilter().host_passes(host("h1"), spec(requested_host="h1"))
    assert not RequestedHostFilter().host_passes(host("h2"), spec(requested_host="h1"))


def test_a_requested_host_is_the_only_candidate_and_still_filtered() -> None:
    hosts = {"big": host("big", memory_mb=65536), "small": host("small", memory_mb=1024)}
    pair = Pair(hosts, default_weighers())
    assert pair.assert_same(spec(ram=512)) == ["big", "small"]
    assert pair.assert_same(spec(ram=512, requested_host="small")) == ["small"]
    assert pair.assert_same(spec(ram=2048, requested_host="small")) == []
    assert pair.assert_same(spec(ram=512, requested_host="small", same_host=("big",))) == []


def test_image_hypervisor_type_filter() -> None:
    f = ImagePropertiesFilter()
    assert f.host_passes(host(hypervisor_type="QEMU"), spec())
    assert f.host_passes(host(hypervisor_type="QEMU"),
                         spec(image_properties={"hypervisor_type": "qemu"}))
    assert f.host_passes(host(hypervisor_type="QEMU"),
                         spec(image_properties={"img_hv_type": "qemu"}))
    assert not f.host_passes(host(hypervisor_type="QEMU"),
                             spec(image_properties={"hypervisor_type": "lxc"}))


def test_tried_hosts_are_ignored() -> None:
    f = IgnoreTriedHostsFilter()
    assert not f.host_passes(host("h1"), spec(ignore_hosts=("h1",)))
    assert f.host_passes(host("h2"), spec(ignore_hosts=("h1",)))


def test_default_filters_use_the_injected_clock() -> None:
    hosts = {"up": host("up", last_beat=NOW), "down": host("down", last_beat=NOW - 120)}
    naive = NaiveScheduler(hosts, default_filters(60.0, clock=lambda: NOW), default_weighers())
    assert naive.candidates(spec()) == ["up"]


# -- weighers ---------------------------------------------------------------------------------
def test_ram_and_cpu_weighers_give_the_free_fraction_of_the_hosts_own_limit() -> None:
    h = host(memory_mb=1000, ram_ratio=2.0, used_ram=500, vcpus=4, cpu_ratio=4.0, used_vcpus=4)
    assert RamWeigher().weigh(h) == pytest.approx(0.75)
    assert CpuWeigher().weigh(h) == pytest.approx(0.75)
    assert RamWeigher().weigh(host(memory_mb=0)) == 0.0


def test_multipliers_spread_or_pack() -> None:
    empty, busy = host("empty"), host("busy", used_ram=4096, instances={"a", "b"})
    assert InstanceCountWeigher().weigh(busy) == 2.0
    spread = [Weighted(RamWeigher(), 1.0)]
    pack = [Weighted(RamWeigher(), -1.0)]
    assert score(empty, spread) > score(busy, spread)
    assert score(busy, pack) > score(empty, pack)
    # Default: RAM spreads; one more instance only breaks ties.
    weighers = default_weighers()
    assert score(host("x", instances={"a"}), weighers) < score(host("y"), weighers)


def test_weighers_order_the_candidates() -> None:
    hosts = {"a": host("a", used_ram=4000), "b": host("b", used_ram=1000), "c": host("c")}
    scheduler = Scheduler(index_of(hosts.values()), default_filters(clock=lambda: NOW))
    assert scheduler.candidates(spec()) == ["c", "b", "a"]
    assert scheduler.candidates(spec(), limit=1) == ["c"]


# -- soft policies --------------------------------------------------------------------------
def soft_hosts() -> dict[str, HostState]:
    # Best to worst by RAM: a, b, c, d.
    return {n: host(n, used_ram=used) for n, used in (("a", 0), ("b", 1000), ("c", 2000),
                                                      ("d", 3000))}


@pytest.mark.parametrize(("policy", "expected"), [
    ("soft-affinity", ["b", "d", "a", "c"]),
    ("soft-anti-affinity", ["a", "c", "b", "d"]),
    ("anti-affinity", ["a", "c"]),
    ("affinity", ["b", "d"]),
])
def test_group_policies_order_or_filter(policy: str, expected: list[str]) -> None:
    hosts = soft_hosts()
    # Member hosts deliberately listed worst-first: the order must come from the weighers.
    request = spec(group_policy=policy, group_hosts=("d", "b"))
    filters = default_filters(clock=lambda: NOW)
    assert Scheduler(index_of(hosts.values()), filters).candidates(request, limit=10) == expected
    naive = NaiveScheduler(hosts, filters, default_weighers())
    assert naive.candidates(request, limit=10) == expected


def test_soft_anti_affinity_still_uses_member_hosts_when_nothing_else_fits() -> None:
    hosts = soft_hosts()
    for name in ("a", "c"):
        hosts[name].enabled = False
    request = spec(group_policy="soft-anti-affinity", group_hosts=("b", "d"))
    scheduler = Scheduler(index_of(hosts.values()), default_filters(clock=lambda: NOW))
    assert scheduler.candidates(request) == ["b", "d"]


# -- the index ------------------------------------------------------------------------------
def index_of(states: object) -> CapacityIndex:
    index = CapacityIndex(default_weighers())
    for state in states:  # type: ignore[attr-defined]
        index.upsert(state)
    return index


def test_index_refresh_resorts_one_host_and_remove_forgets_it() -> None:
    hosts = {n: host(n) for n in ("a", "b", "c")}
    index = index_of(hosts.values())
    assert [h.host for h in index.best_first()] == ["a", "b", "c"]  # ties: by name
    hosts["a"].used_ram = 2048
    index.refresh("a")
    assert [h.host for h in index.best_first()] == ["b", "c", "a"]
    index.remove("b")
    index.refresh("b")  # a removed host stays removed
    assert [h.host for h in index.best_first()] == ["c", "a"] and len(index) == 2
    index.upsert(host("a"))  # a re-registration replaces the old entry
    assert [h.host for h in index.best_first()] == ["a", "c"] and len(index) == 2


def test_a_host_changed_without_refresh_is_what_the_comparison_catches() -> None:
    # The property tests below compare against NaiveScheduler; this shows they can tell.
    hosts = {n: host(n) for n in ("a", "b")}
    index = index_of(hosts.values())
    hosts["a"].used_ram = 4096  # not refreshed: the index still thinks "a" is the emptiest
    naive = NaiveScheduler(hosts, [], default_weighers())
    assert Scheduler(index, []).candidates(spec()) != naive.candidates(spec())


# -- property style: indexed == naive ------------------------------------------------------
ZONES = ("az1", "az2", "az3")
FLAVORS = ((1, 512, 1), (2, 2048, 20), (4, 8192, 40), (8, 16384, 80), (16, 65536, 160))
POLICIES = (None, "affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


def random_host(rng: random.Random, name: str) -> HostState:
    # Few distinct shapes, so equal scores (ties broken by name) are common.
    vcpus, ram = rng.choice(((4, 8192), (8, 16384), (16, 65536), (32, 131072)))
    state = host(name, availability_zone=rng.choice(ZONES),
                 hypervisor_type=rng.choice(("QEMU", "QEMU", "QEMU", "LXC")), vcpus=vcpus,
                 memory_mb=ram, disk_gb=rng.choice((100, 500)),
                 cpu_ratio=rng.choice((1.0, 2.0, 16.0)), ram_ratio=rng.choice((1.0, 1.5)),
                 enabled=rng.random() > 0.05,
                 last_beat=NOW - (rng.random() * 50 if rng.random() > 0.05 else 500))
    fill = rng.choice((0.0, 0.0, 0.25, 0.5, 0.9, 1.0))
    state.used_vcpus = int(state.vcpus * state.cpu_ratio * fill)
    state.used_ram = int(state.memory_mb * state.ram_ratio * fill)
    state.used_disk = int(state.disk_gb * fill)
    state.instances = {f"{name}-{i}" for i in range(rng.randrange(4))}
    return state


def random_spec(rng: random.Random, names: list[str]) -> RequestSpec:
    vcpus, ram, disk = rng.choice(FLAVORS)
    policy = rng.choice(POLICIES)
    members = tuple(rng.choice(names) for _ in range(rng.randrange(4))) if policy else ()
    return spec(vcpus=vcpus, ram=ram, disk=disk,
                availability_zone=rng.choice((None, None, *ZONES)),
                image_properties=rng.choice(({}, {}, {}, {"hypervisor_type": "lxc"})),
                group_policy=policy, group_hosts=members,
                group_max_per_host=rng.choice((1, 1, 2)),
                same_host=tuple(rng.sample(names, 2)) if rng.random() < 0.05 else (),
                different_host=tuple(rng.sample(names, 3)) if rng.random() < 0.1 else (),
                ignore_hosts=tuple(rng.sample(names, 2)) if rng.random() < 0.2 else (),
                requested_host=rng.choice(names) if rng.random() < 0.05 else None)


class Pair:
    """The indexed and the naive scheduler over the very same HostState objects."""

    def __init__(self, hosts: dict[str, HostState], weighers: list[Weighted]) -> None:
        filters = default_filters(60.0, clock=lambda: NOW)
        self.hosts, self.index = hosts, CapacityIndex(weighers)
        for state in hosts.values():
            self.index.upsert(state)
        self.indexed = Scheduler(self.index, filters)
        self.naive = NaiveScheduler(hosts, filters, weighers)

    def assert_same(self, request: RequestSpec) -> list[str]:
        for limit in (1, 3, 10):
            got = self.indexed.candidates(request, limit)
            assert got == self.naive.candidates(request, limit), (request, limit)
        return got


WEIGHER_SETS = {
    "default": default_weighers(),
    "pack": default_weighers(ram=-1.0, cpu=-0.5, instances=0.0),
    "cpu-spread": default_weighers(ram=0.0, cpu=1.0, instances=-0.01),
}


@pytest.mark.parametrize("weighers", sorted(WEIGHER_SETS))
@pytest.mark.parametrize("seed", range(12))
def test_indexed_equals_naive_on_random_hosts(seed: int, weighers: str) -> None:
    rng = random.Random(seed)
    names = [f"node-{i:03d}" for i in range(rng.choice((5, 40, 200)))]
    pair = Pair({n: random_host(rng, n) for n in names}, WEIGHER_SETS[weighers])
    found = 0
    for _ in range(60):
        found += bool(pair.assert_same(random_spec(rng, names)))
    assert found > 0  # the random requests are not all impossible


def claim(state: HostState, key: str, request: RequestSpec) -> None:
    state.used_vcpus += request.vcpus
    state.used_ram += request.ram
    state.used_disk += request.disk
    state.instances.add(key)


@pytest.mark.parametrize("seed", range(8))
def test_indexed_equals_naive_while_claims_and_releases_resort_hosts(seed: int) -> None:
    rng = random.Random(1000 + seed)
    names = [f"node-{i:03d}" for i in range(rng.choice((10, 60)))]
    pair = Pair({n: random_host(rng, n) for n in names}, default_weighers())
    live: list[tuple[str, str, RequestSpec]] = []
    for step in range(150):
        request = random_spec(rng, names)
        chosen = pair.assert_same(request)
        if chosen and rng.random() < 0.7:
            claim(pair.hosts[chosen[0]], f"i{step}", request)
            live.append((chosen[0], f"i{step}", request))
            pair.index.refresh(chosen[0])
        elif live:
            name, key, old = live.pop(rng.randrange(len(live)))
            release(pair.hosts[name], key, old)
            pair.index.refresh(name)
        if rng.random() < 0.05:  # a host is disabled or re-enabled
            name = rng.choice(names)
            pair.hosts[name].enabled = not pair.hosts[name].enabled
            pair.index.refresh(name)


def release(state: HostState, key: str, request: RequestSpec) -> None:
    state.used_vcpus -= request.vcpus
    state.used_ram -= request.ram
    state.used_disk -= request.disk
    state.instances.discard(key)
