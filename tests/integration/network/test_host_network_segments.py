"""The HostNetwork adapter against the kernel, once per segment type (vlan skips, saying why,
where the kernel lacks 802.1Q). Every result is also read back with `ip -d -j link`."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from ipaddress import IPv4Interface

import pytest

from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.segments import segment_driver
from domain.network.backends import NetworkError, SegmentConflict, SegmentSpec
from tests.support.network_namespaces import Host, Namespaces, attach_guest, ip, link_details


@pytest.fixture
def network(host: Host, segment_type: str) -> Iterator[PyrouteHostNetwork]:
    with PyrouteHostNetwork(segment_driver(segment_type, host.phys), netns=host.ns) as adapter:
        yield adapter


def test_creates_the_segment_and_its_bridge(network: PyrouteHostNetwork, host: Host) -> None:
    state = network.ensure_segment(SegmentSpec(42))

    assert state.complete and state.bridge == "brq42"
    assert state.network_type.value == network.network_type.value
    segment = link_details(host.ns, state.segment_interface)
    assert segment["linkinfo"]["info_kind"] == network.network_type.value
    assert segment["linkinfo"]["info_data"]["id"] == 42  # VLAN id or VNI alike
    assert segment["master"] == "brq42" and "UP" in segment["flags"]
    bridge = link_details(host.ns, "brq42")
    assert bridge["linkinfo"]["info_kind"] == "bridge" and "UP" in bridge["flags"]


def test_ensure_is_idempotent(network: PyrouteHostNetwork, host: Host) -> None:
    first = network.ensure_segment(SegmentSpec(7, IPv4Interface("10.50.0.1/24")))
    before = {name: link_details(host.ns, name)["ifindex"]
              for name in (first.bridge, first.segment_interface)}

    again = network.ensure_segment(SegmentSpec(7, IPv4Interface("10.50.0.1/24")))

    assert again == first
    assert {name: link_details(host.ns, name)["ifindex"] for name in before} == before
    assert again.addresses == {IPv4Interface("10.50.0.1/24")}


def test_a_new_gateway_replaces_the_old_one(network: PyrouteHostNetwork) -> None:
    network.ensure_segment(SegmentSpec(8, IPv4Interface("10.50.0.1/24")))

    state = network.ensure_segment(SegmentSpec(8, IPv4Interface("10.52.0.1/24")))

    assert state.addresses == {IPv4Interface("10.52.0.1/24")}
    assert not state.satisfies(SegmentSpec(8, IPv4Interface("10.50.0.1/24")))


def test_remove_is_idempotent(network: PyrouteHostNetwork, host: Host) -> None:
    state = network.ensure_segment(SegmentSpec(9))
    network.remove_segment(9)
    network.remove_segment(9)

    assert network.segment(9) is None and network.list_segments() == {}
    for name in (state.bridge, state.segment_interface):
        with pytest.raises(subprocess.CalledProcessError):  # ip: "Device does not exist"
            link_details(host.ns, name)


def test_lists_every_segment_with_its_members(network: PyrouteHostNetwork, host: Host,
                                              namespaces: Namespaces) -> None:
    for sid in (3, 300, 3000):
        network.ensure_segment(SegmentSpec(sid))
    attach_guest(namespaces, host, "brq300", "52:54:00:00:03:00")

    segments = network.list_segments()

    assert sorted(segments) == [3, 300, 3000]
    assert all(state.complete for state in segments.values())
    assert len(segments[300].members) == 1 and segments[3].members == frozenset()


def test_notices_and_repairs_what_was_undone_by_hand(network: PyrouteHostNetwork,
                                                     host: Host) -> None:
    spec = SegmentSpec(11, IPv4Interface("10.51.0.1/24"))
    state = network.ensure_segment(spec)
    ip(host.ns, "link", "del", "brq11")
    ip(host.ns, "link", "set", state.segment_interface, "down")

    drifted = network.segment(11)
    assert drifted is not None and not drifted.satisfies(spec)
    assert not drifted.bridge_exists and not drifted.segment_up

    repaired = network.ensure_segment(spec)
    assert repaired.satisfies(spec)
    assert link_details(host.ns, state.segment_interface)["master"] == "brq11"


def test_a_stranger_under_our_name_is_never_overwritten(network: PyrouteHostNetwork,
                                                         host: Host) -> None:
    ip(host.ns, "link", "add", "brq12", "type", "veth", "peer", "name", "other12")

    with pytest.raises(SegmentConflict):
        network.ensure_segment(SegmentSpec(12))
    assert link_details(host.ns, "brq12")["linkinfo"]["info_kind"] == "veth"
    assert network.segment(12) is None  # nothing half-made either


def test_refuses_ids_out_of_range_and_a_missing_physical_interface(
        host: Host, segment_type: str) -> None:
    with PyrouteHostNetwork(segment_driver(segment_type, "nosuch0"), netns=host.ns) as adapter:
        with pytest.raises(ValueError):
            adapter.ensure_segment(SegmentSpec(0))
        with pytest.raises(NetworkError, match="nosuch0"):
            adapter.ensure_segment(SegmentSpec(5))
