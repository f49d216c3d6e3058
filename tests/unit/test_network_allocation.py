"""Project networks and ports on the in-memory event store: the allocation rules."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound, QuotaExceeded
from domain.network.config import NetworkConfig
from domain.network.errors import InUse, NetworkInUse, PoolExhausted
from domain.network.mac import MAC_PATTERN
from domain.network.network import Network
from domain.quota.ledger import QuotaLedger, ledger_id
from domain.services.network.networks import NetworkService, plan_project_network
from domain.services.network.ports import PortService, plan_port
from domain.services.network.workset import Workset
from domain.services.quotas import QuotaService, open_ledger

ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))


def member(project: str) -> RequestContext:
    return RequestContext(user_id=f"user-{project}", project_id=project, roles=("member",))


class Cloud:
    def __init__(self, **config: object) -> None:
        self.app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.config = NetworkConfig(**config)  # type: ignore[arg-type]
        self.networks = NetworkService(self.app, self.config)
        self.ports = PortService(self.app)

    def network(self, project: str) -> Network:
        return self.networks.ensure_project_network(member(project), project)

    def fixed_ips_used(self, project: str) -> int:
        return self.app.repository.get(ledger_id(project)).used("fixed_ips")


def test_first_need_creates_one_default_network_per_project() -> None:
    cloud = Cloud()
    first = cloud.network("p1")
    assert cloud.network("p1").id == first.id  # the second need finds it
    assert (first.name, first.segment_type, first.segmentation_id, first.cidr) == (
        "private", "vlan", 100, "10.0.0.0/24")
    described = first.describe()
    assert described["provider:segmentation_id"] == 100
    assert described["subnet"]["gateway_ip"] == "10.0.0.1"
    assert described["subnet"]["dhcp_range"] == ["10.0.0.2", "10.0.0.254"]
    second = cloud.network("p2")
    assert (second.segmentation_id, second.cidr) == (101, "10.0.1.0/24")
    assert cloud.networks.project_network("p3") is None


def test_projects_never_share_a_segment_or_overlap_until_exhausted() -> None:
    cloud = Cloud(segmentation_ids=(100, 103), tenant_supernet="10.9.0.0/22", subnet_prefix=24)
    made = [cloud.network(f"p{i}") for i in range(4)]
    assert len({n.segmentation_id for n in made}) == 4
    subnets = [ip_network(n.cidr) for n in made]
    assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1:])
    with pytest.raises(PoolExhausted, match="No vlan segmentation id is available"):
        cloud.network("p4")
    roomy = Cloud(segmentation_ids=(100, 200), tenant_supernet="10.9.0.0/23", subnet_prefix=24)
    roomy.network("a"), roomy.network("b")
    with pytest.raises(PoolExhausted, match="No tenant subnet is available"):
        roomy.network("c")


def test_explicit_networks_take_requested_values_or_refuse() -> None:
    cloud = Cloud()
    made = cloud.networks.create_network(member("p1"), "p1", "web", "10.0.8.0/23", 300)
    assert (made.cidr, made.segmentation_id) == ("10.0.8.0/23", 300)
    assert cloud.network("p1").id == made.id  # the project's first network is its default
    with pytest.raises(InUse, match="tenant subnet 10.0.9.0/24 is already in use"):
        cloud.networks.create_network(member("p2"), "p2", "x", "10.0.9.0/24")  # inside the /23
    with pytest.raises(InUse, match="segmentation id 300 is already in use"):
        cloud.networks.create_network(member("p2"), "p2", "x", segmentation_id=300)
    with pytest.raises(InvalidInput, match="outside the configured range"):
        cloud.networks.create_network(member("p2"), "p2", "x", segmentation_id=5)
    with pytest.raises(InvalidInput, match="subnet of the tenant supernet"):
        cloud.networks.create_network(member("p2"), "p2", "x", "172.16.0.0/24")


def test_networks_per_project_are_bounded() -> None:
    cloud = Cloud(max_networks_per_project=2)
    for name in ("a", "b"):
        cloud.networks.create_network(member("p1"), "p1", name)
    with pytest.raises(QuotaExceeded, match="Quota exceeded for networks"):
        cloud.networks.create_network(member("p1"), "p1", "c")


def test_deleting_a_network_frees_its_segment_and_subnet_for_reuse() -> None:
    cloud = Cloud()
    network = cloud.network("p1")
    port = cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-1")
    with pytest.raises(NetworkInUse, match="ports still in use"):
        cloud.networks.delete_network(member("p1"), network.id.hex)
    cloud.ports.release_port(member("p1"), port.id.hex)
    with pytest.raises(NotFound):
        cloud.networks.delete_network(member("p2"), network.id.hex)  # another project's
    cloud.networks.delete_network(member("p1"), network.id.hex)
    with pytest.raises(NotFound):
        cloud.networks.network(member("p1"), network.id.hex)
    again = cloud.network("p2")
    assert (again.segmentation_id, again.cidr) == (network.segmentation_id, network.cidr)
    assert cloud.network("p1").id != network.id  # p1 gets a new default on its next need


def test_ports_get_the_lowest_free_address_never_the_gateway_and_reuse_released() -> None:
    cloud = Cloud(tenant_supernet="10.0.0.0/24", subnet_prefix=29)
    network = cloud.network("p1")  # 10.0.0.0/29: gateway .1, ports .2-.6, broadcast .7
    ports = [cloud.ports.allocate_port(member("p1"), network.id.hex, f"vm-{i}")
             for i in range(5)]
    assert [p.fixed_ip for p in ports] == [f"10.0.0.{i}" for i in range(2, 7)]
    assert all(MAC_PATTERN.match(p.mac) for p in ports)
    assert len({p.mac for p in ports}) == 5
    with pytest.raises(PoolExhausted, match="No more IP addresses available on network"):
        cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-6")
    cloud.ports.release_port(member("p1"), ports[1].id.hex)
    reused = cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-7")
    assert reused.fixed_ip == "10.0.0.3" and reused.mac != ports[1].mac
    assert cloud.fixed_ips_used("p1") == 5
    assert cloud.network("p1").reservations() == {
        p.mac: p.fixed_ip for p in [*ports[:1], reused, *ports[2:]]}


def test_a_port_may_ask_for_a_free_address_of_its_subnet() -> None:
    cloud = Cloud()
    network = cloud.network("p1")
    port = cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-1", "10.0.0.77")
    assert port.fixed_ip == "10.0.0.77"
    with pytest.raises(InUse, match="10.0.0.77 already allocated"):
        cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-2", "10.0.0.77")
    for reserved in ("10.0.0.1", "10.0.0.0", "10.0.0.255", "10.0.1.5"):
        with pytest.raises(InvalidInput, match="not a valid IP for"):
            cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-2", reserved)
    assert cloud.fixed_ips_used("p1") == 1


def test_ports_count_on_the_fixed_ips_quota() -> None:
    cloud = Cloud()
    QuotaService(cloud.app).set_limits(ADMIN, "p1", {"fixed_ips": 2})
    network = cloud.network("p1")
    first = cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-1")
    cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-2")
    with pytest.raises(QuotaExceeded, match="Quota exceeded for fixed_ips"):
        cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-3")
    cloud.ports.release_port(member("p1"), first.id.hex)
    assert cloud.fixed_ips_used("p1") == 1
    cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-3")
    with pytest.raises(NotFound):
        cloud.ports.release_port(member("p1"), first.id.hex)  # released already


def test_other_projects_cannot_see_or_use_a_network_or_port() -> None:
    cloud = Cloud()
    network = cloud.network("p1")
    with pytest.raises(NotFound):
        cloud.ports.allocate_port(member("p2"), network.id.hex, "vm-x")
    port = cloud.ports.allocate_port(ADMIN, network.id.hex, "vm-1")  # admin may, for p1
    assert port.project_id == "p1" and cloud.fixed_ips_used("p1") == 1
    for call in (lambda: cloud.ports.port(member("p2"), port.id.hex),
                 lambda: cloud.ports.release_port(member("p2"), port.id.hex),
                 lambda: cloud.ports.port(member("p1"), "not-a-uuid")):
        with pytest.raises(NotFound):
            call()


def test_a_bigger_command_saves_network_and_ports_in_its_own_single_save() -> None:
    cloud = Cloud()
    ledger = open_ledger(cloud.app, "p1")  # what a boot command holds already
    ledger.claim({"instances": 2})
    ws = Workset(cloud.app, ledger)
    network = plan_project_network(ws, cloud.config, "p1")
    ports = [plan_port(ws, network.id.hex, f"vm-{i}") for i in range(2)]
    assert ledger not in ws.changed()  # shared: the caller saves it once, itself
    cloud.app.save(ledger, *ws.changed())
    saved: QuotaLedger = cloud.app.repository.get(ledger_id("p1"))
    assert (saved.used("instances"), saved.used("fixed_ips")) == (2, 2)
    assert [p.fixed_ip for p in ports] == ["10.0.0.2", "10.0.0.3"]
    assert cloud.network("p1").fixed_ips == {p.fixed_ip: p.id.hex for p in ports}


def test_every_change_is_a_past_tense_event() -> None:
    cloud = Cloud()
    network = cloud.network("p1")
    port = cloud.ports.allocate_port(member("p1"), network.id.hex, "vm-1")
    cloud.ports.release_port(member("p1"), port.id.hex)
    cloud.networks.delete_network(member("p1"), network.id.hex)
    names = [type(e).__qualname__ for e in cloud.app.repository.event_store.get(network.id)]
    assert names == ["Network.Created", "Network.AddressesAllocated",
                     "Network.AddressesReleased", "Network.Deleted"]
    port_events = cloud.app.repository.event_store.get(port.id)
    assert [type(e).__qualname__ for e in port_events] == ["Port.Allocated", "Port.Released"]
    assert all(e.meta["project_id"] == "p1" for e in port_events)  # type: ignore[attr-defined]  # who and why, recorded
