"""Network allocation on the real event stores (SQLite and PostgreSQL).

Two applications on one store play two API processes. Each conflict below is staged step by
step: both plan from the same state, the first saves, the second's save is refused by the
store (a version already exists), and the same command rerun on fresh state takes the next
free value or finds what the first one made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.persistence import Database
from domain.app import SkyLedger
from domain.context import RequestContext
from domain.network.config import NetworkConfig
from domain.quota.ledger import QuotaLedger, ledger_id
from domain.services.network.floating import FloatingIpService, plan_floating_ip
from domain.services.network.networks import NetworkService, plan_network, plan_project_network
from domain.services.network.ports import PortService, plan_port
from domain.services.network.workset import Workset

CONFIG = NetworkConfig(segmentation_ids=(100, 199), external_range=("203.0.113.10",
                                                                   "203.0.113.40"))
SMALL_POOL = {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "1"}


def member(project: str) -> RequestContext:
    return RequestContext(user_id=f"user-{project}", project_id=project, roles=("member",))


@pytest.fixture
def open_app(database_url: str) -> Iterator[Callable[[], SkyLedger]]:
    opened: list[SkyLedger] = []

    def make() -> SkyLedger:
        opened.append(SkyLedger(env={**Database(database_url).event_store_env(), **SMALL_POOL}))
        return opened[-1]

    yield make
    for app in opened:
        app.close()


def test_everything_allocated_reads_back_from_a_fresh_process(
        open_app: Callable[[], SkyLedger]) -> None:
    app = open_app()
    networks, ports = NetworkService(app, CONFIG), PortService(app)
    floating = FloatingIpService(app, CONFIG)
    network = networks.ensure_project_network(member("p1"), "p1")
    port = ports.allocate_port(member("p1"), network.id.hex, "vm-1")
    address = floating.allocate(member("p1"), "p1")
    floating.associate(member("p1"), address.id.hex, port.id.hex)

    later = open_app()  # replays from the store, nothing cached
    read_back = NetworkService(later, CONFIG).project_network("p1")
    assert read_back is not None
    assert read_back.describe() == {**network.describe(), "ports": 1}
    again = PortService(later).port(member("p1"), port.id.hex)
    assert (again.mac, again.fixed_ip, again.floating_ip) == (
        port.mac, "10.0.0.2", "203.0.113.10")
    ledger: QuotaLedger = later.repository.get(ledger_id("p1"))
    assert (ledger.used("fixed_ips"), ledger.used("floating_ips")) == (1, 1)


def test_two_processes_racing_for_a_segment_and_subnet(
        open_app: Callable[[], SkyLedger]) -> None:
    one, two = open_app(), open_app()
    ws_one, ws_two = Workset(one), Workset(two)
    first = plan_network(ws_one, CONFIG, "p1", "net")
    stale = plan_network(ws_two, CONFIG, "p2", "net")
    assert (first.segmentation_id, first.cidr) == (stale.segmentation_id, stale.cidr)
    one.save(*ws_one.changed())
    with pytest.raises(IntegrityError):
        two.save(*ws_two.changed())
    second = NetworkService(two, CONFIG).create_network(member("p2"), "p2", "net")
    assert (second.segmentation_id, second.cidr) == (101, "10.0.1.0/24")


def test_two_first_needs_of_one_project_make_one_network(
        open_app: Callable[[], SkyLedger]) -> None:
    one, two = open_app(), open_app()
    ws_one, ws_two = Workset(one), Workset(two)
    made = plan_project_network(ws_one, CONFIG, "p1")
    plan_project_network(ws_two, CONFIG, "p1")
    one.save(*ws_one.changed())
    with pytest.raises(IntegrityError):
        two.save(*ws_two.changed())
    assert NetworkService(two, CONFIG).ensure_project_network(member("p1"), "p1").id == made.id


def test_two_processes_racing_for_an_address(open_app: Callable[[], SkyLedger]) -> None:
    one, two = open_app(), open_app()
    network = NetworkService(one, CONFIG).ensure_project_network(member("p1"), "p1")
    ws_one, ws_two = Workset(one), Workset(two)
    first = plan_port(ws_one, network.id.hex, "vm-1")
    assert plan_port(ws_two, network.id.hex, "vm-2").fixed_ip == first.fixed_ip
    one.save(*ws_one.changed())
    with pytest.raises(IntegrityError):
        two.save(*ws_two.changed())
    second = PortService(two).allocate_port(member("p1"), network.id.hex, "vm-2")
    assert (first.fixed_ip, second.fixed_ip) == ("10.0.0.2", "10.0.0.3")


def test_two_projects_racing_for_a_floating_address(open_app: Callable[[], SkyLedger]) -> None:
    one, two = open_app(), open_app()
    ws_one, ws_two = Workset(one), Workset(two)
    first = plan_floating_ip(ws_one, CONFIG, "p1")
    assert plan_floating_ip(ws_two, CONFIG, "p2").address == first.address
    one.save(*ws_one.changed())
    with pytest.raises(IntegrityError):
        two.save(*ws_two.changed())
    second = FloatingIpService(two, CONFIG).allocate(member("p2"), "p2")
    assert (first.address, second.address) == ("203.0.113.10", "203.0.113.11")
