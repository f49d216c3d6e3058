"""Floating IPs on the in-memory event store: allocation, association, release."""

from __future__ import annotations

from typing import TypeVar

import pytest

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.errors import InvalidInput, InvalidState, NotFound, QuotaExceeded
from domain.network.config import NetworkConfig
from domain.network.errors import InUse, PoolExhausted
from domain.network.floating import FloatingIp
from domain.network.pool import EXTERNAL_ADDRESSES, AllocationPool, pool_id
from domain.network.port import Port
from domain.services.network.floating import FloatingIpService
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortService
from domain.services.quotas import QuotaService

ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))
P1 = RequestContext(user_id="u1", project_id="p1", roles=("member",))
P2 = RequestContext(user_id="u2", project_id="p2", roles=("member",))
A = TypeVar("A", FloatingIp, Port)


class Cloud:
    def __init__(self, external_range: tuple[str, str] = ("203.0.113.10", "203.0.113.12")) -> None:
        self.app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        config = NetworkConfig(external_range=external_range)
        self.networks = NetworkService(self.app, config)
        self.ports = PortService(self.app)
        self.floating = FloatingIpService(self.app, config)

    def port(self, ctx: RequestContext, instance: str) -> Port:
        network = self.networks.ensure_project_network(ctx, str(ctx.project_id))
        return self.ports.allocate_port(ctx, network.id.hex, instance)

    def reload(self, aggregate: A) -> A:
        return self.app.repository.get(aggregate.id)

    def used(self, project: str) -> int:
        return QuotaService(self.app).ledger(project).used("floating_ips")


def test_addresses_come_from_the_pool_once_each_and_return_on_release() -> None:
    cloud = Cloud()
    made = [cloud.floating.allocate(P1, "p1") for _ in range(2)]
    made.append(cloud.floating.allocate(P2, "p2"))
    assert [f.address for f in made] == ["203.0.113.10", "203.0.113.11", "203.0.113.12"]
    with pytest.raises(PoolExhausted, match="No floating IP address is available"):
        cloud.floating.allocate(P2, "p2")
    cloud.floating.release(P1, made[1].id.hex)
    assert (cloud.used("p1"), cloud.used("p2")) == (1, 1)
    assert cloud.floating.allocate(P2, "p2").address == "203.0.113.11"
    pool: AllocationPool = cloud.app.repository.get(pool_id(EXTERNAL_ADDRESSES))
    assert len(pool.held) == 3


def test_a_specific_address_may_be_asked_for() -> None:
    cloud = Cloud()
    assert cloud.floating.allocate(P1, "p1", "203.0.113.12").address == "203.0.113.12"
    with pytest.raises(InUse, match="203.0.113.12 is already in use"):
        cloud.floating.allocate(P2, "p2", "203.0.113.12")
    with pytest.raises(InvalidInput, match="outside the external pool"):
        cloud.floating.allocate(P2, "p2", "203.0.113.200")
    assert cloud.used("p2") == 0


def test_allocation_counts_on_the_floating_ips_quota() -> None:
    cloud = Cloud(("203.0.113.10", "203.0.113.50"))
    QuotaService(cloud.app).set_limits(ADMIN, "p1", {"floating_ips": 2})
    cloud.floating.allocate(P1, "p1")
    cloud.floating.allocate(P1, "p1")
    with pytest.raises(QuotaExceeded, match="Quota exceeded for floating_ips"):
        cloud.floating.allocate(P1, "p1")


def test_associate_maps_one_floating_ip_per_port_and_moves_when_asked() -> None:
    cloud = Cloud()
    port_a, port_b = cloud.port(P1, "vm-a"), cloud.port(P1, "vm-b")
    first, second = cloud.floating.allocate(P1, "p1"), cloud.floating.allocate(P1, "p1")
    associated = cloud.floating.associate(P1, first.id.hex, port_a.id.hex)
    assert (associated.port_id, associated.fixed_ip, associated.instance_id) == (
        port_a.id.hex, port_a.fixed_ip, "vm-a")
    assert cloud.reload(port_a).floating_ip == first.address
    with pytest.raises(InUse, match="already has floating IP"):
        cloud.floating.associate(P1, second.id.hex, port_a.id.hex)
    cloud.floating.associate(P1, first.id.hex, port_a.id.hex)  # again: nothing changes
    cloud.floating.associate(P1, first.id.hex, port_b.id.hex)  # moves, as Neutron allows
    assert cloud.reload(port_a).floating_ip is None
    assert cloud.reload(port_b).floating_ip_id == first.id.hex
    cloud.floating.disassociate(P1, first.id.hex)
    assert cloud.reload(first).port_id is None and cloud.reload(port_b).floating_ip is None
    cloud.floating.associate(P1, second.id.hex, port_a.id.hex)  # port a is free again
    events = [type(e).__qualname__ for e in cloud.app.repository.event_store.get(first.id)]
    assert events == ["FloatingIp.Allocated", "FloatingIp.Associated",
                      "FloatingIp.Disassociated", "FloatingIp.Associated",
                      "FloatingIp.Disassociated"]


def test_association_stays_within_the_project() -> None:
    cloud = Cloud()
    port_a, port_b = cloud.port(P1, "vm-a"), cloud.port(P2, "vm-b")
    floating = cloud.floating.allocate(P1, "p1")
    with pytest.raises(NotFound):
        cloud.floating.associate(P1, floating.id.hex, port_b.id.hex)
    with pytest.raises(NotFound):
        cloud.floating.associate(P2, floating.id.hex, port_b.id.hex)
    with pytest.raises(InvalidInput, match="another project"):
        cloud.floating.associate(ADMIN, floating.id.hex, port_b.id.hex)
    assert cloud.reload(port_b).floating_ip is None
    cloud.floating.associate(ADMIN, floating.id.hex, port_a.id.hex)


def test_release_disassociates_first_and_a_released_port_frees_its_floating_ip() -> None:
    cloud = Cloud()
    port = cloud.port(P1, "vm-a")
    kept, dropped = cloud.floating.allocate(P1, "p1"), cloud.floating.allocate(P1, "p1")
    cloud.floating.associate(P1, dropped.id.hex, port.id.hex)
    cloud.floating.release(P1, dropped.id.hex)
    assert cloud.reload(port).floating_ip is None and cloud.used("p1") == 1
    with pytest.raises(NotFound):
        cloud.floating.disassociate(P1, dropped.id.hex)
    cloud.floating.associate(P1, kept.id.hex, port.id.hex)
    cloud.ports.release_port(P1, port.id.hex)  # the floating IP stays with the project
    assert cloud.reload(kept).port_id is None and not cloud.reload(kept).deleted
    assert cloud.reload(port).deleted


def test_aggregates_refuse_what_the_services_never_ask() -> None:
    floating = FloatingIp("p1", "203.0.113.10")
    floating.associate("port-1", "p1", "net-1", "vm-1", "10.0.0.2")
    with pytest.raises(InvalidState, match="associated with port port-1"):
        floating.associate("port-2", "p1", "net-1", "vm-2", "10.0.0.3")
    with pytest.raises(InvalidState, match="still associated"):
        floating.release()
