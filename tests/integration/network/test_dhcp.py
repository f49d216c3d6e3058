"""dnsmasq per project network: a guest (a namespace running busybox udhcpc on a veth in the
project's bridge) gets exactly its reserved address, and nothing without a reservation."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from adapters.network.dnsmasq import DnsmasqDhcp
from adapters.network.dnsmasq_config import render_hosts
from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.segments import segment_driver
from domain.network.backends import DhcpHost, DhcpNetwork, SegmentSpec
from tests.support.network_namespaces import Host, Namespaces, attach_guest, lease
from tests.support.waiting import wait_for

SUBNET = IPv4Network("10.60.0.0/24")
GATEWAY = IPv4Interface("10.60.0.1/24")
GUEST_MAC, GUEST_IP = "52:54:00:60:00:17", IPv4Address("10.60.0.23")


@pytest.fixture
def dhcp(host: Host, tmp_path: Path) -> Iterator[DnsmasqDhcp]:
    server = DnsmasqDhcp(tmp_path / "dhcp", netns=host.ns)
    yield server
    for network_id in server.running():  # the namespaces' teardown would kill it anyway
        server.stop(network_id)


def project_network(host: Host, sid: int, subnet: IPv4Network, gateway: IPv4Interface,
                    ) -> DhcpNetwork:
    with PyrouteHostNetwork(segment_driver("vxlan", host.phys), netns=host.ns) as network:
        state = network.ensure_segment(SegmentSpec(sid, gateway))
    return DhcpNetwork(f"net-{sid}", state.bridge, subnet, gateway.ip, mtu=state.mtu)


def test_a_guest_gets_exactly_its_reserved_address(
        dhcp: DnsmasqDhcp, host: Host, namespaces: Namespaces, tmp_path: Path) -> None:
    network = project_network(host, 600, SUBNET, GATEWAY)
    dhcp.start(network, [DhcpHost(GUEST_MAC, GUEST_IP, "vm-1")])
    guest = attach_guest(namespaces, host, network.bridge, GUEST_MAC)

    assert lease(guest, tmp_path) == f"BOUND ip={GUEST_IP} router=10.60.0.1 mtu=1450"
    assert GUEST_MAC in (tmp_path / "dhcp" / "net-600" / "leases").read_text()


def test_reload_adds_reservations_without_a_restart(
        dhcp: DnsmasqDhcp, host: Host, namespaces: Namespaces, tmp_path: Path) -> None:
    network = project_network(host, 601, SUBNET, GATEWAY)
    dhcp.start(network, [DhcpHost(GUEST_MAC, GUEST_IP)])
    pid = dhcp.pid("net-601")
    late = attach_guest(namespaces, host, network.bridge, "52:54:00:60:00:99")
    assert lease(late, tmp_path, tries=2) is None  # no reservation, no address

    dhcp.reload(network, [DhcpHost(GUEST_MAC, GUEST_IP), DhcpHost("52:54:00:60:00:99",
                                                                  IPv4Address("10.60.0.99"))])

    assert dhcp.pid("net-601") == pid  # SIGHUP, not a new process
    assert lease(late, tmp_path) == "BOUND ip=10.60.0.99 router=10.60.0.1 mtu=1450"


def test_start_and_stop_are_idempotent_and_networks_independent(
        dhcp: DnsmasqDhcp, host: Host) -> None:
    first = project_network(host, 602, SUBNET, GATEWAY)
    second = project_network(host, 603, IPv4Network("10.61.0.0/24"),
                             IPv4Interface("10.61.0.1/24"))
    dhcp.start(first, [DhcpHost(GUEST_MAC, GUEST_IP)])
    pid = dhcp.pid("net-602")
    dhcp.start(first, [DhcpHost(GUEST_MAC, GUEST_IP)])
    dhcp.start(second, [])  # a second server in the same namespace, on its own bridge

    assert dhcp.pid("net-602") == pid
    assert dhcp.running() == {"net-602", "net-603"}

    dhcp.stop("net-602")
    dhcp.stop("net-602")
    assert dhcp.running() == {"net-603"}


def test_a_changed_configuration_restarts_the_server(dhcp: DnsmasqDhcp, host: Host) -> None:
    network = project_network(host, 604, SUBNET, GATEWAY)
    dhcp.start(network, [])
    pid = dhcp.pid("net-604")

    dhcp.start(DhcpNetwork("net-604", network.bridge, SUBNET, GATEWAY.ip, lease_seconds=600), [])

    assert dhcp.pid("net-604") not in (None, pid)


def test_reservations_are_checked_against_the_subnet(dhcp: DnsmasqDhcp, host: Host) -> None:
    network = DhcpNetwork("net-605", "brq605", SUBNET, GATEWAY.ip)
    with pytest.raises(ValueError, match="outside"):
        dhcp.start(network, [DhcpHost(GUEST_MAC, IPv4Address("10.99.0.5"))])
    assert dhcp.running() == set()


def test_a_reload_cut_short_before_its_signal_is_finished_on_replay(
        dhcp: DnsmasqDhcp, host: Host, namespaces: Namespaces, tmp_path: Path) -> None:
    network = project_network(host, 606, SUBNET, GATEWAY)
    dhcp.start(network, [DhcpHost(GUEST_MAC, GUEST_IP)])
    both = [DhcpHost(GUEST_MAC, GUEST_IP), DhcpHost("52:54:00:60:00:66", IPv4Address("10.60.0.66"))]
    # An agent killed after writing the new hosts file, before signalling dnsmasq:
    (tmp_path / "dhcp" / "net-606" / "hosts").write_text(render_hosts(both))

    dhcp.reload(network, both)  # its replay

    late = attach_guest(namespaces, host, network.bridge, "52:54:00:60:00:66")
    assert lease(late, tmp_path) == "BOUND ip=10.60.0.66 router=10.60.0.1 mtu=1450"


def test_stop_removes_the_networks_state_and_a_restart_keeps_its_leases(
        dhcp: DnsmasqDhcp, host: Host, namespaces: Namespaces, tmp_path: Path) -> None:
    network = project_network(host, 607, SUBNET, GATEWAY)
    kept = project_network(host, 608, IPv4Network("10.61.0.0/24"), IPv4Interface("10.61.0.1/24"))
    dhcp.start(network, [DhcpHost(GUEST_MAC, GUEST_IP)])
    dhcp.start(kept, [])
    guest = attach_guest(namespaces, host, network.bridge, GUEST_MAC)
    assert lease(guest, tmp_path) is not None
    leases = tmp_path / "dhcp" / "net-607" / "leases"
    pid = dhcp.pid("net-607")

    dhcp.restart(network, [DhcpHost(GUEST_MAC, GUEST_IP)])  # as for a bridge made anew

    assert dhcp.pid("net-607") not in (None, pid)
    assert GUEST_MAC in leases.read_text()

    dhcp.stop("net-607")
    dhcp.stop("net-607")
    assert not leases.parent.exists()
    assert dhcp.running() == dhcp.known() == {"net-608"}


def test_stop_removes_the_state_of_a_server_that_is_already_gone(
        dhcp: DnsmasqDhcp, host: Host) -> None:
    network = project_network(host, 609, SUBNET, GATEWAY)
    dhcp.start(network, [DhcpHost(GUEST_MAC, GUEST_IP)])
    pid = dhcp.pid("net-609")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # an agent killed between stopping it and removing its files
    wait_for(lambda: dhcp.pid("net-609") is None, "dnsmasq to die")
    assert dhcp.running() == set() and dhcp.known() == {"net-609"}

    dhcp.stop("net-609")

    assert dhcp.known() == set() and not (dhcp.state_dir / "net-609").exists()
