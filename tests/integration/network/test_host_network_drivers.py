"""The driver factory, the kernel probe, and what each driver makes of the segmentation id."""

from __future__ import annotations

import uuid
from ipaddress import IPv4Address

import pytest
from pyroute2 import netns

from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.probe import supports_vlan
from adapters.network.segments import VlanDriver, VxlanDriver, segment_driver
from domain.network.backends import NetworkError, SegmentationUnsupported, SegmentSpec
from tests.support.network_namespaces import Host, link_details


def test_the_factory_builds_drivers_by_name() -> None:
    assert segment_driver("vlan", "eth0") == VlanDriver("eth0")
    vxlan = segment_driver("vxlan", "eth0", group=IPv4Address("239.9.9.9"))
    assert vxlan == VxlanDriver("eth0", group=IPv4Address("239.9.9.9"))
    with pytest.raises(ValueError, match="unknown segment type"):
        segment_driver("gre", "eth0")


def test_interface_names_fit_the_kernel_limit() -> None:
    assert VlanDriver("eth0").interface_name(4094) == "eth0.4094"
    assert VlanDriver("enp0s31f6longer").interface_name(4094) == "vlan4094"
    assert VxlanDriver("eth0").interface_name(2**24 - 1) == "vx16777215"


def test_vxlan_uses_the_underlay_group_and_standard_port(host: Host) -> None:
    with PyrouteHostNetwork(segment_driver("vxlan", host.phys), netns=host.ns) as network:
        network.ensure_segment(SegmentSpec(16_000_000))  # a VNI far beyond any VLAN id

    data = link_details(host.ns, "vx16000000")["linkinfo"]["info_data"]
    assert data["id"] == 16_000_000 and data["port"] == 4789
    assert data["group"] == "239.1.1.1" and data["link"] == "phys0"


def test_vlan_driver_on_this_kernel(host: Host) -> None:
    """Where 802.1Q exists the segment tests cover vlan; where it does not, the adapter must say
    so clearly and leave nothing behind."""
    if supports_vlan():
        pytest.skip("this kernel has 802.1Q: covered by test_host_network_segments")
    with PyrouteHostNetwork(segment_driver("vlan", host.phys), netns=host.ns) as network:
        with pytest.raises(SegmentationUnsupported, match="NetlinkError 95"):
            network.ensure_segment(SegmentSpec(100))
        assert network.list_segments() == {}


def test_a_missing_namespace_is_an_error_not_a_new_namespace(network_tools: None) -> None:
    missing = f"sky-absent-{uuid.uuid4().hex[:6]}"
    try:
        with (PyrouteHostNetwork(segment_driver("vxlan", "phys0"), netns=missing) as network,
              pytest.raises(NetworkError, match=missing)):
            network.list_segments()
        assert missing not in netns.listnetns()
    finally:
        if missing in netns.listnetns():
            netns.remove(missing)
