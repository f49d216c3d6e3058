"""Concurrent network allocation on PostgreSQL: networks, ports and floating IPs at once.

Each thread plays one API process: its own SkyLedger (its own small connection pool) on one
shared store, all released together by a barrier. Whatever the interleaving, the aggregates
saved together in each command (pools, network, registry, port, quota ledger) must keep every
invariant: no segmentation id twice, no overlapping subnets, no address or MAC twice, no
floating address twice, no quota over-consumed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from ipaddress import ip_network
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from adapters.persistence import Database
from domain.app import SkyLedger
from domain.context import RequestContext
from domain.errors import ConcurrencyConflict, DomainError
from domain.network.config import NetworkConfig
from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.network.port import Port
from domain.network.registry import ProjectNetworks, registry_id
from domain.services.network.floating import FloatingIpService
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortService
from domain.services.quotas import QuotaService
from tests.integration.races import fire_together

THREADS = 8
SMALL_POOL = {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "1"}
ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))
CONFLICT = "ConcurrencyConflict"
CONFIG = NetworkConfig(segmentation_ids=(100, 139), tenant_supernet="10.0.0.0/18",
                       subnet_prefix=24, external_range=("203.0.113.10", "203.0.113.29"))


def member(project: str) -> RequestContext:
    return RequestContext(user_id=f"user-{project}", project_id=project, roles=("member",))


@dataclass
class ApiProcess:
    app: SkyLedger
    networks: NetworkService
    ports: PortService
    floating: FloatingIpService

    @classmethod
    def open(cls, url: str, config: NetworkConfig) -> ApiProcess:
        app = SkyLedger(env={**Database(url).event_store_env(), **SMALL_POOL})
        return cls(app, NetworkService(app, config), PortService(app),
                   FloatingIpService(app, config))


@dataclass
class Race:
    processes: list[ApiProcess]

    @property
    def first(self) -> ApiProcess:
        return self.processes[0]

    def run(self, calls: int, attempt: Callable[[ApiProcess, int], Any]) -> Counter[str]:
        """`calls` attempts over THREADS threads, released together; each outcome in a word:
        "ok", the domain error's class name, or the unexpected error in full."""
        def in_a_word(process: ApiProcess, call: int) -> str:
            try:
                attempt(process, call)
                return "ok"
            except (DomainError, ConcurrencyConflict) as refused:
                return type(refused).__name__

        return fire_together(self.processes, calls, in_a_word)

    def saved(self, created: type[Any]) -> list[Any]:
        """Every aggregate whose created event is in the log (not what the callers were told)."""
        app = self.first.app
        found = app.recorder.select_notifications(start=1, limit=100_000,
                                                  topics=[get_topic(created)])
        return [app.repository.get(n.originator_id) for n in found]


@pytest.fixture
def race(pg_schema_url: str) -> Iterator[Race]:
    first = ApiProcess.open(pg_schema_url, CONFIG)  # creates the tables before the others
    made = Race([first, *(ApiProcess.open(pg_schema_url, CONFIG) for _ in range(THREADS - 1))])
    yield made
    for process in made.processes:
        process.app.close()


def assert_answered(outcomes: Counter[str], calls: int, allowed: set[str]) -> None:
    # ConcurrencyConflict is the designed clear failure once the bounded retries are used up.
    assert set(outcomes) <= allowed | {"ok", CONFLICT}, outcomes
    assert sum(outcomes.values()) == calls


def test_many_projects_first_needs_at_once(race: Race) -> None:
    projects = [f"p{i}" for i in range(48)]  # more projects than the 40 segmentation ids
    calls = 2 * len(projects)  # every project asks twice: one default network each, not two
    outcomes = race.run(calls, lambda process, call: process.networks.ensure_project_network(
        member(projects[call % len(projects)]), projects[call % len(projects)]))
    assert_answered(outcomes, calls, {"PoolExhausted"})
    networks: list[Network] = race.saved(Network.Created)
    assert len(networks) == 40
    assert len({n.segmentation_id for n in networks}) == 40
    subnets = sorted(ip_network(n.cidr) for n in networks)
    assert all(not a.overlaps(b) for a, b in zip(subnets, subnets[1:], strict=False))
    assert all(ip_network(n.cidr).subnet_of(CONFIG.supernet) for n in networks)  # type: ignore[arg-type]
    owners = Counter(n.project_id for n in networks)
    assert set(owners.values()) == {1}
    for project in owners:
        registry: ProjectNetworks = race.first.app.repository.get(registry_id(project))
        assert [registry.default] == registry.networks


def test_many_ports_on_one_network_at_once(race: Race) -> None:
    network = race.first.networks.create_network(member("p1"), "p1", "small", "10.0.5.0/26")
    capacity, calls = 61, 72  # a /26 less its network, gateway and broadcast addresses
    outcomes = race.run(calls, lambda process, call: process.ports.allocate_port(
        member("p1"), network.id.hex, f"vm-{call}"))
    assert_answered(outcomes, calls, {"PoolExhausted"})
    ports: list[Port] = race.saved(Port.Allocated)  # type: ignore[attr-defined]
    assert len(ports) == outcomes["ok"]
    assert len(ports) == (capacity if outcomes["PoolExhausted"] else calls - outcomes[CONFLICT])
    assert len({p.fixed_ip for p in ports}) == len(ports)
    assert len({p.mac for p in ports}) == len(ports)
    assert "10.0.5.1" not in {p.fixed_ip for p in ports}
    saved: Network = race.first.app.repository.get(network.id)
    assert saved.fixed_ips == {p.fixed_ip: p.id.hex for p in ports}
    assert QuotaService(race.first.app).ledger("p1").used("fixed_ips") == len(ports)


def test_many_floating_ip_allocations_at_once(race: Race) -> None:
    projects, limit, pool_size = ["f0", "f1", "f2", "f3"], 6, 20  # 4 x 6 > 20 addresses
    for project in projects:
        QuotaService(race.first.app).set_limits(ADMIN, project, {"floating_ips": limit})
    calls = 64
    outcomes = race.run(calls, lambda process, call: process.floating.allocate(
        member(projects[call % 4]), projects[call % 4]))
    assert_answered(outcomes, calls, {"QuotaExceeded", "PoolExhausted"})
    allocated: list[FloatingIp] = race.saved(FloatingIp.Allocated)  # type: ignore[attr-defined]
    assert len(allocated) == outcomes["ok"] == pool_size
    assert len({f.address for f in allocated}) == pool_size
    per_project = Counter(f.project_id for f in allocated)
    quotas = QuotaService(race.first.app)
    for project in projects:
        assert per_project[project] <= limit
        assert quotas.ledger(project).used("floating_ips") == per_project[project]


def test_one_port_gets_one_floating_ip_however_many_race_for_it(race: Race) -> None:
    network = race.first.networks.ensure_project_network(member("p1"), "p1")
    port = race.first.ports.allocate_port(member("p1"), network.id.hex, "vm-1")
    addresses = [race.first.floating.allocate(member("p1"), "p1") for _ in range(THREADS)]
    outcomes = race.run(THREADS, lambda process, call: process.floating.associate(
        member("p1"), addresses[call].id.hex, port.id.hex))
    assert outcomes == Counter({"ok": 1, "InUse": THREADS - 1})
    saved: Port = race.first.app.repository.get(port.id)
    winners = [a.id.hex for a in addresses if race.first.app.repository.get(a.id).port_id]
    assert winners == [saved.floating_ip_id]
