"""Fixtures of the network adapters' tests alone: two hosts on one underlay, and each segment
type. The namespaces and the single `host` they build on are tests/integration/conftest.py's
(the crash tests use them too); the helpers are tests/support/network_namespaces.py's."""

from __future__ import annotations

import pytest

from adapters.network.probe import supports_vlan
from tests.support.network_namespaces import Host, Namespaces, connect, ip

NO_VLAN = "kernel lacks 802.1Q (NetlinkError 95)"


@pytest.fixture
def two_hosts(namespaces: Namespaces) -> tuple[Host, Host]:
    """Two hosts whose physical interfaces are the two ends of one cable (the underlay)."""
    first, second = namespaces.new("hostA"), namespaces.new("hostB")
    connect(first, "phys0", second, "phys0")
    ip(first, "addr", "add", "192.0.2.1/24", "dev", "phys0")
    ip(second, "addr", "add", "192.0.2.2/24", "dev", "phys0")
    return Host(first, underlay_ip="192.0.2.1"), Host(second, underlay_ip="192.0.2.2")


@pytest.fixture(params=["vlan", "vxlan"])
def segment_type(request: pytest.FixtureRequest, network_tools: None) -> str:
    if request.param == "vlan" and not supports_vlan():
        pytest.skip(NO_VLAN)
    return str(request.param)
