"""What each of the two test hosts of test_vlan_two_test_hosts.py runs (`python -m` this module,
in the guest): the project's vlan segment driver makes VLANs 100 and 200 on the host's `eth0`,
the trunk both hosts share, and a namespace per VLAN plays a project's guest on its bridge.

    hv-a: on 100, 10.100.0.1/24 and 10.200.0.9/24     hv-b: on 100, 10.100.0.2/24
          on 200, 10.200.0.1/24 and 10.100.0.9/24           on 200, 10.200.0.2/24

The second address of hv-a's namespaces lies in the *other* VLAN's subnet: only the tag can
keep it from reaching hv-b's namespace there. hv-b says it is ready, hv-a checks reachability and
writes what it found (hv-a.results.json) for the test to judge, and says it is done; hv-b waits
for that before it powers off. Files in the share are the only signals between the two.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.segments import segment_driver
from domain.network.backends import SegmentSpec
from tests.support.network_namespaces import Host, Namespaces, attach_guest, ip, pings, unreachable
from tests.support.waiting import wait_for

VLANS = (100, 200)
PEER_WAIT_S = 900.0  # the other guest boots and imports as slowly as this one


def other(vlan: int) -> int:
    return VLANS[1 - VLANS.index(vlan)]


def set_up(role: str) -> dict[int, str]:
    """The hypervisor's namespace with eth0 in it, the segments, one namespace per VLAN."""
    number = 1 if role == "hv-a" else 2
    namespaces = Namespaces()  # the guest is thrown away: nothing to remove
    host = Host(namespaces.new("hv"), phys="eth0")
    subprocess.run(["ip", "link", "set", "eth0", "netns", host.ns], check=True, timeout=15)
    ip(host.ns, "link", "set", "eth0", "up")
    project_guests: dict[int, str] = {}
    with PyrouteHostNetwork(segment_driver("vlan", "eth0"), netns=host.ns) as network:
        for vlan in VLANS:
            state = network.ensure_segment(SegmentSpec(vlan))
            print(f"segment {vlan}: {state.segment_interface} on {state.bridge}", flush=True)
            project_guests[vlan] = attach_guest(namespaces, host, state.bridge,
                                                f"52:54:00:{vlan // 100:02x}:00:{number:02x}",
                                                f"10.{vlan}.0.{number}/24")
            if role == "hv-a":
                ip(project_guests[vlan], "addr", "add", f"10.{other(vlan)}.0.9/24", "dev", "eth0")
    return project_guests


def check(project_guests: dict[int, str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for vlan in VLANS:
        found[f"{vlan} reaches 10.{vlan}.0.2"] = pings(project_guests[vlan], f"10.{vlan}.0.2")
    for vlan in VLANS:
        target = f"10.{other(vlan)}.0.2"
        found[f"{vlan} cannot reach {target}"] = unreachable(project_guests[vlan], target)
    return found


def main(role: str, share: Path) -> None:
    project_guests = set_up(role)
    if role == "hv-b":
        (share / "hv-b.ready").touch()
        wait_for(lambda: (share / "hv-a.done").exists(), "hv-a to finish", PEER_WAIT_S)
        return
    try:
        wait_for(lambda: (share / "hv-b.ready").exists(), "hv-b to be ready", PEER_WAIT_S)
        found = check(project_guests)
        print(json.dumps(found, indent=1), flush=True)
        (share / "hv-a.results.json").write_text(json.dumps(found))
    finally:
        (share / "hv-a.done").touch()  # hv-b powers off, whatever happened here


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
