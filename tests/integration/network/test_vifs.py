"""The compute worker's VIF plugger: bridges made before a guest starts, adopted by the agent."""

from __future__ import annotations

import pytest

from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.segments import segment_driver
from adapters.network.vifs import PyrouteVifPlugger
from domain.compute.backends import HypervisorError
from domain.network.backends import SegmentSpec
from tests.support.network_namespaces import Host, ip, link_details


def test_plug_makes_each_bridge_up_once(host: Host) -> None:
    plugger = PyrouteVifPlugger(host.ns)
    try:
        plugger.plug(["brq310", "brq311"])
        plugger.plug(["brq310"])  # again: nothing to do
    finally:
        plugger.close()
    for name in ("brq310", "brq311"):
        details = link_details(host.ns, name)
        assert details["linkinfo"]["info_kind"] == "bridge"
        assert "UP" in details["flags"]


def test_a_name_taken_by_another_kind_of_interface_is_refused(host: Host) -> None:
    ip(host.ns, "link", "add", "brq312", "type", "veth", "peer", "name", "other0")
    plugger = PyrouteVifPlugger(host.ns)
    try:
        with pytest.raises(HypervisorError, match="brq312 should be a bridge"):
            plugger.plug(["brq312"])
    finally:
        plugger.close()


def test_the_agent_completes_a_plugged_bridge(host: Host) -> None:
    plugger = PyrouteVifPlugger(host.ns)
    try:
        plugger.plug(["brq313"])
    finally:
        plugger.close()
    bridge_index = link_details(host.ns, "brq313")["ifindex"]
    with PyrouteHostNetwork(segment_driver("vxlan", host.phys), netns=host.ns) as network:
        state = network.ensure_segment(SegmentSpec(313, None))
    assert state.bridge_exists and state.segment_attached and state.bridge_up
    assert link_details(host.ns, "brq313")["ifindex"] == bridge_index  # the same bridge
