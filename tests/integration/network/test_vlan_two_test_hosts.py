"""802.1Q for real: two test hosts (tests/hosts/) on one layer-2 segment, the trunk, each with
VLANs 100 and 200 made by the project's vlan segment driver and a namespace per VLAN playing a
project's guest (vlan_trunk_guest.py, run in both). The same VLAN reaches across the hosts,
different VLANs do not, and the frames on the trunk, captured by QEMU, carry the VLAN id."""

from __future__ import annotations

import json
import shlex
import sys
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from tests.hosts.image import REPO, HostImage
from tests.hosts.machine import HostVM, Nic, Wire, wire_directory
from tests.support.pcap import frames

pytestmark = pytest.mark.test_host

RUN_TIMEOUT_S = 900.0


def guest_command(role: str) -> str:
    return (f"cd {shlex.quote(str(REPO))} && PYTHONPATH={shlex.quote(str(REPO))} "
            f"{shlex.quote(sys.executable)} -m tests.integration.network.vlan_trunk_guest "
            f"{role} /run/testhost")


def test_vlans_join_the_same_project_across_hosts_and_nothing_else(
        test_host_image: HostImage, network_tools: None, tmp_path: Path) -> None:
    trunk_capture = tmp_path / "trunk.pcap"
    with wire_directory() as sockets:
        trunk = Wire(sockets, "trunk")
        first = HostVM(test_host_image, "hv-a", tmp_path,
                       [Nic(trunk, 0, "52:54:00:aa:00:01", pcap=trunk_capture)])
        second = HostVM(test_host_image, "hv-b", tmp_path, [Nic(trunk, 1, "52:54:00:aa:00:02")])
        with first, second:
            first.start(guest_command("hv-a"))
            second.start(guest_command("hv-b"))
            assert first.wait(RUN_TIMEOUT_S) == 0, first.console()
            assert second.wait(RUN_TIMEOUT_S) == 0, second.console()

    found = json.loads((tmp_path / "hv-a.results.json").read_text())
    assert found == {"100 reaches 10.100.0.2": True, "200 reaches 10.200.0.2": True,
                     "100 cannot reach 10.200.0.2": True, "200 cannot reach 10.100.0.2": True}

    on_the_wire = frames(trunk_capture)
    echoes = {(frame.vlan, frame.source, frame.destination)
              for frame in on_the_wire if frame.kind == "icmp"}
    for vlan in (100, 200):  # request and reply, both tagged with their VLAN
        here, there = IPv4Address(f"10.{vlan}.0.1"), IPv4Address(f"10.{vlan}.0.2")
        assert {(vlan, here, there), (vlan, there, here)} <= echoes
    # The hosts' own addresses in the other VLAN's subnet asked for the peer there, tagged with
    # their own VLAN, and no answer came on that VLAN.
    for vlan, asker in ((100, "10.200.0.9"), (200, "10.100.0.9")):
        asked = [frame for frame in on_the_wire
                 if frame.kind == "arp" and frame.source == IPv4Address(asker)]
        assert asked and {frame.vlan for frame in asked} == {vlan}
        peer = IPv4Address(f"10.{200 if vlan == 100 else 100}.0.2")
        assert not [frame for frame in on_the_wire if frame.vlan == vlan and frame.source == peer]
    untagged = [frame for frame in on_the_wire if frame.vlan is None and frame.kind != "other"]
    assert not untagged, f"IPv4 or ARP frames on the trunk without a tag: {untagged}"
