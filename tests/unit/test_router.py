"""The Router aggregate's rules: interfaces never overlap, a router with interfaces is not
deleted, a route's next hop lies on a joined subnet and keeps its interface."""

from __future__ import annotations

import uuid

import pytest

from domain.errors import InvalidInput, NotFound
from domain.network.errors import InUse
from domain.network.router import Router, RouterInUse


def router() -> Router:
    return Router(id=uuid.uuid4(), project_id="p", name="r")


def test_interfaces_never_overlap_and_hold_the_router() -> None:
    r = router()
    r.add_interface("port-a", "subnet-a", "10.0.0.0/24", "net-a")
    with pytest.raises(InvalidInput):
        r.add_interface("port-b", "subnet-b", "10.0.0.0/16", "net-b")
    r.add_interface("port-6", "subnet-6", "2001:db8::/64", "net-a")  # other version: no overlap
    assert r.interface_on("subnet-a") == "port-a"
    with pytest.raises(RouterInUse):
        r.delete()
    assert r.remove_interface("port-a")["subnet_id"] == "subnet-a"
    with pytest.raises(NotFound):
        r.remove_interface("port-a")
    r.remove_interface("port-6")
    r.delete()
    assert isinstance(r.pending_events[-1], Router.Deleted)
    with pytest.raises(NotFound):
        r.update("x", "", True)


def test_routes_need_a_joined_next_hop_which_keeps_its_interface() -> None:
    r = router()
    route = {"destination": "192.168.0.0/24", "nexthop": "10.0.0.9"}
    with pytest.raises(InvalidInput):
        r.set_routes([route])
    r.add_interface("port-a", "subnet-a", "10.0.0.0/24", "net-a")
    r.set_routes([route])
    before = len(r.pending_events)
    r.set_routes([route])  # the same routes again record nothing
    assert len(r.pending_events) == before
    with pytest.raises(InUse):
        r.remove_interface("port-a")
    r.set_routes([])
    r.remove_interface("port-a")


def test_the_gateway_is_recorded_only_when_it_changes() -> None:
    r = router()
    gateway = {"network_id": "ext", "enable_snat": True,
               "external_fixed_ips": [{"subnet_id": "s", "ip_address": "203.0.113.5"}]}
    r.set_gateway(gateway)
    r.set_gateway(dict(gateway))
    assert [type(e) for e in r.pending_events] == [Router.Created, Router.GatewaySet]
    r.set_gateway(None)
    assert r.gateway is None
