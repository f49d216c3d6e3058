"""The ledgers equal what the live instances hold, after every step of a random compute history.

A seeded mix of boots (multi-create, zones, server groups), spawn successes and failures
(rescheduling), power actions, resizes with confirm or revert (to the same or another host),
outcomes that fail, deletes requested and local deletes (BUILD, ERROR, host down), and hosts
disabled and enabled. After every step, on SQLite and on PostgreSQL:
  * the project's quota ledger holds exactly the sum of `Instance.quota_held()`;
  * each node's claims are exactly the resources of the instances and pending resizes on it,
    and never exceed capacity x allocation ratio;
  * the HostCapacities's used figures and claims equal the node aggregates';
  * each server group's members are exactly its live instances.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from uuid import UUID

import pytest

from adapters.persistence import Database
from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.server_group import ServerGroup
from domain.compute.states import TaskState, VmState
from domain.context import RequestContext
from domain.errors import InvalidInput, QuotaExceeded
from domain.quota.ledger import QuotaLedger, ledger_id
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootRequest, BootService
from domain.services.compute.groups import ServerGroupService
from domain.services.compute.hosts import HostRegistration, HostService
from domain.services.compute.outcomes import OutcomeService
from domain.services.quotas import QuotaService
from projections.capacity import HostCapacities

PROJECT = "p-invariants"
CTX = RequestContext(user_id="u-inv", project_id=PROJECT, roles=("member",))
ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))
SMALL_POOL = {"POSTGRES_POOL_SIZE": "2", "POSTGRES_MAX_OVERFLOW": "2"}
# flavorid: (vcpus, ram MiB, root GiB, ephemeral GiB, swap MiB); swap and ephemeral count as disk.
FLAVORS = {"tiny": (1, 512, 1, 0, 0), "small": (1, 2048, 10, 0, 512),
           "medium": (2, 4096, 20, 5, 0), "large": (4, 8192, 40, 0, 1024)}
# Tight on purpose: "No valid host" and quota refusals are part of the history.
HOSTS = [HostRegistration("h0", "QEMU", 4, 16384, 100, "az1", cpu_ratio=1.0, ram_ratio=1.0),
         HostRegistration("h1", "QEMU", 4, 16384, 200, "az1", cpu_ratio=2.0, ram_ratio=1.5),
         HostRegistration("h2", "QEMU", 8, 32768, 100, "az2", cpu_ratio=1.0, ram_ratio=1.0),
         HostRegistration("h3", "QEMU", 2, 8192, 60, "az2", cpu_ratio=2.0, ram_ratio=1.0)]
LIMITS = {"instances": 14, "cores": 24, "ram": 49152, "server_group_members": -1}


class World:
    """One API process on the store under test, plus the test's memory of what it booted."""

    def __init__(self, url: str) -> None:
        self.app = SkyLedger(env={**Database(url).event_store_env(), **SMALL_POOL})
        self.view = HostCapacities(self.app)
        self.boots = BootService(self.app, self.view)
        self.actions = ActionService(self.app, self.view)
        self.outcomes = OutcomeService(self.app, self.view)
        self.hosts = HostService(self.app)
        self.ids: list[UUID] = []
        for registration in HOSTS:
            self.hosts.register(ADMIN, registration)
        for flavorid, (vcpus, ram, disk, ephemeral, swap) in FLAVORS.items():
            self.app.save(Flavor(flavorid, flavorid, ram, vcpus, disk, ephemeral, swap, 1.0,
                                 True, None))
        image = Image("cirros", PROJECT, "public", "qcow2", "bare", 0, 0, False, [], {})
        image.upload(10, "md5", "sha", "hash")
        self.app.save(image)
        self.image = image.id.hex
        QuotaService(self.app).set_limits(ADMIN, PROJECT, LIMITS)
        groups = ServerGroupService(self.app)
        self.groups = [groups.create(CTX, "spread", "anti-affinity").id.hex,
                       groups.create(CTX, "pairs", "anti-affinity",
                                     {"max_server_per_host": 2}).id.hex,
                       groups.create(CTX, "close", "soft-affinity").id.hex]

    def live(self) -> list[Instance]:
        loaded: list[Instance] = [self.app.repository.get(i) for i in self.ids]
        return [i for i in loaded if not i.deleted]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    made = World(database_url)
    yield made
    made.app.close()


# -- the invariants ---------------------------------------------------------------------------
def expected_claims(live: list[Instance]) -> dict[str, dict[str, dict[str, int]]]:
    """What each node must hold: an instance's flavor on its host; during a resize the old
    flavor on the source (key: id) and the new one on the destination (key: id:resize)."""
    claims: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for i in live:
        key = i.id.hex
        if i.resize_from is not None:  # resized, awaiting confirm or revert
            claims[i.host][f"{key}:resize"] = i.resources()  # type: ignore[index]
            claims[i.resize_from["host"]][key] = Instance.resources_of(i.old_flavor)  # type: ignore[arg-type]
        elif i.host:
            claims[i.host][key] = i.resources()
        if i.pending and i.pending["action"] == "resize":
            claims[i.pending["host"]][f"{key}:resize"] = Instance.resources_of(i.pending["flavor"])
    return claims


def assert_quota_exact(w: World, live: list[Instance], step: str) -> None:
    ledger: QuotaLedger = w.app.repository.get(ledger_id(PROJECT))
    held = {r: sum(i.quota_held()[r] for i in live) for r in ("instances", "cores", "ram")}
    assert {r: ledger.used(r) for r in held} == held, step
    assert ledger.used("instances") <= LIMITS["instances"], step


def assert_nodes_exact(w: World, live: list[Instance], step: str) -> None:
    expected = expected_claims(live)
    view_hosts = w.view.hosts()  # catches the view up to the store's head
    for registration in HOSTS:
        name = registration.host
        node: ComputeNode = w.app.repository.get(node_id(name))
        used, limits = node.used(), node.limits()
        assert node.claims == expected.get(name, {}), (step, name)
        assert all(used[k] <= limits[k] for k in used), (step, name, used, limits)
        state = view_hosts[name]
        assert (state.used_vcpus, state.used_ram, state.used_disk) == (
            used["vcpus"], used["ram"], used["disk"]), (step, name)
        assert w.view.claims[name] == node.claims, (step, name)
        assert state.enabled == node.enabled, (step, name)


def assert_groups_exact(w: World, live: list[Instance], step: str) -> None:
    for group_id in w.groups:
        group: ServerGroup = w.app.repository.get(UUID(group_id))
        members = {i.id.hex: i.host for i in live if i.server_group_id == group_id}
        assert set(group.members) == set(members), (step, group.name)
        # A resizing member is on its source host and moving to its destination until the
        # resize is confirmed (then it is on the destination) or reverted.
        by_id = {i.id.hex: i for i in live}
        for key, host in members.items():
            if key in group.moving:
                instance = by_id[key]
                assert group.moving[key] in (host, (instance.pending or {}).get("host")), (
                    step, group.name, key)
            else:
                assert group.members[key] == host, (step, group.name, key)


def assert_invariants(w: World, step: str) -> None:
    live = w.live()
    assert_quota_exact(w, live, step)
    assert_nodes_exact(w, live, step)
    assert_groups_exact(w, live, step)


# -- the steps: each picks an instance in a fitting state, or returns None if none is ---------
Step = Callable[[World, random.Random, list[Instance]], str | None]


def pick(rng: random.Random, live: list[Instance],
         fits: Callable[[Instance], bool]) -> Instance | None:
    candidates = [i for i in live if fits(i)]
    return rng.choice(candidates) if candidates else None


def boot(w: World, rng: random.Random, live: list[Instance]) -> str:
    count = rng.choice((1, 1, 1, 2, 3))
    request = BootRequest("vm", rng.choice(list(FLAVORS)), w.image,
                          availability_zone=rng.choice((None, None, "az1", "az2")),
                          min_count=rng.choice((1, count)), max_count=count,
                          group_id=rng.choice((None, None, *w.groups)))
    try:
        booted = w.boots.boot(CTX, request)
    except QuotaExceeded:
        return "boot refused (quota)"
    w.ids += [i.id for i in booted]
    return f"boot {len(booted)}x{request.flavor_ref}: " + ",".join(str(i.host) for i in booted)


def spawning(i: Instance) -> bool:
    return i.task_state is TaskState.SPAWNING


def spawn_succeeds(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    i = pick(rng, live, spawning)
    if i is None:
        return None
    w.outcomes.spawned(CTX, i.id, str(i.host))
    return f"spawned {i.id.hex[:6]}"


def spawn_fails(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    i = pick(rng, live, spawning)
    if i is None:
        return None
    w.outcomes.spawn_failed(CTX, i.id, str(i.host), "libvirt: domain failed to start")
    return f"spawn failed {i.id.hex[:6]} on {i.host}"


def power(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    i = pick(rng, live, lambda i: i.task_state is None and i.vm_state in (VmState.ACTIVE,
                                                                           VmState.STOPPED))
    if i is None:
        return None
    action = "stop" if i.vm_state is VmState.ACTIVE else "start"
    w.actions.act(CTX, i.id.hex, action)
    return f"{action} {i.id.hex[:6]}"


def resize(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    i = pick(rng, live, lambda i: i.task_state is None and i.vm_state in (VmState.ACTIVE,
                                                                           VmState.STOPPED))
    if i is None:
        return None
    flavor = rng.choice([f for f in FLAVORS if f != i.flavor["id"]])
    try:
        w.actions.resize(CTX, i.id.hex, flavor)
    except QuotaExceeded:
        return "resize refused (quota)"
    except InvalidInput as refused:
        assert "No valid host" in str(refused)
        return "resize refused (no host)"
    return f"resize {i.id.hex[:6]} {i.flavor['id']}->{flavor}"


def finish_resize(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    i = pick(rng, live, lambda i: i.task_state is None and i.vm_state is VmState.RESIZED)
    if i is None:
        return None
    if rng.random() < 0.5:
        w.actions.confirm_resize(CTX, i.id.hex)
        return f"confirm {i.id.hex[:6]}"
    w.actions.revert_resize(CTX, i.id.hex)
    return f"revert {i.id.hex[:6]}"


def worker_reports(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    """The worker finishes a requested action, even one overtaken by a delete request."""
    i = pick(rng, live, lambda i: i.pending is not None)
    if i is None:
        return None
    action = i.pending["action"]  # type: ignore[index]
    if rng.random() < 0.75:
        w.outcomes.action_succeeded(CTX, i.id, action)
        return f"{action} done {i.id.hex[:6]}"
    w.outcomes.action_failed(CTX, i.id, action, "hypervisor said no")
    return f"{action} failed {i.id.hex[:6]}"


def delete(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    i = pick(rng, live, lambda i: i.task_state is not TaskState.DELETING)
    if i is None:
        return None
    host_is_up = rng.random() < 0.7  # else a local delete, as when the host is down
    w.actions.delete(CTX, i.id.hex, host_is_up=host_is_up)
    local = i.host is None or not host_is_up
    return f"{'local ' if local else ''}delete {i.id.hex[:6]} ({i.vm_state.value})"


def worker_deletes(w: World, rng: random.Random, live: list[Instance]) -> str | None:
    i = pick(rng, live, lambda i: i.task_state is TaskState.DELETING)
    if i is None:
        return None
    w.outcomes.deleted(CTX, i.id)
    return f"deleted {i.id.hex[:6]}"


def toggle_host(w: World, rng: random.Random, live: list[Instance]) -> str:
    name = rng.choice(HOSTS).host
    if w.hosts.node(name).enabled:
        w.hosts.disable(ADMIN, name, "maintenance")
        return f"disable {name}"
    w.hosts.enable(ADMIN, name)
    return f"enable {name}"


STEPS: dict[Step, int] = {boot: 8, spawn_succeeds: 8, spawn_fails: 3, power: 3, resize: 5,
                          finish_resize: 4, worker_reports: 6, delete: 4, worker_deletes: 3,
                          toggle_host: 1}


@pytest.mark.parametrize("seed", [11, 31])
def test_ledgers_equal_live_instances_after_every_step(world: World, seed: int) -> None:
    rng = random.Random(seed)
    done: Counter[str] = Counter()
    steps, weights = list(STEPS), list(STEPS.values())
    history: list[str] = []
    while sum(done.values()) < 130:
        step = rng.choices(steps, weights)[0]
        what = step(world, rng, world.live())
        if what is None:
            continue
        done[step.__name__] += 1
        history.append(what)
        assert_invariants(world, f"step {len(history)}: {what} (after {history[-4:-1]})")
    # The mix really went through the interesting paths, not just boots.
    lines = " | ".join(history)
    for phrase in ("boot 2x", "boot 3x", ",None", "spawn failed", "resize ", "confirm ",
                   "revert ", "resize done", "resize failed", "local delete", "deleted "):
        assert phrase in lines, phrase
    assert set(done) == {s.__name__ for s in STEPS}


# -- a deterministic case the random mix steps around -----------------------------------------
def test_confirmed_resize_moves_the_group_member(world: World) -> None:
    spread = world.groups[0]  # hard anti-affinity, one member per host
    first = resized_elsewhere(world, spread)
    assert world.app.repository.get(UUID(spread)).members[first.id.hex] == first.host
    # So the group must keep a new member off the resized instance's new host.
    others = [world.boots.boot(CTX, BootRequest("late", "tiny", world.image, group_id=spread))[0]
              for _ in range(len(HOSTS))]
    hosts = [first.host, *(i.host for i in others if i.host)]
    assert len(hosts) == len(set(hosts)), hosts


def resized_elsewhere(w: World, group_id: str) -> Instance:
    """Boot a tiny member, resize it to `large` on h2 (the only host left enabled), confirm."""
    [vm] = w.boots.boot(CTX, BootRequest("first", "tiny", w.image, group_id=group_id))
    w.ids.append(vm.id)
    source = vm.host
    w.outcomes.spawned(CTX, vm.id, str(source))
    for name in (h.host for h in HOSTS if h.host != "h2"):
        w.hosts.disable(ADMIN, name, "make h2 the only destination")
    w.actions.resize(CTX, vm.id.hex, "large")
    w.outcomes.action_succeeded(CTX, vm.id, "resize")
    w.actions.confirm_resize(CTX, vm.id.hex)
    w.outcomes.action_succeeded(CTX, vm.id, "confirm_resize")
    for name in (h.host for h in HOSTS):
        w.hosts.enable(ADMIN, name)
    moved: Instance = w.app.repository.get(vm.id)
    assert moved.host == "h2" != source  # it really moved
    return moved
