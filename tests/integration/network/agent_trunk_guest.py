"""What each of the two test hosts of test_network_agents_two_test_hosts.py runs (`python -m` this
module, in the guest): the real `skyledger network-agent` of the host named ROLE, then the
namespaces playing the project guests the test booted there, and (hv-a) the checks.

The guest's NICs are found by MAC: the management NIC keeps the guest's own namespace, where the
agent's PostgreSQL connections go (tests/hosts/management.py relays them to the machine's
PostgreSQL); the trunk NIC moves into a namespace `hv` as `trunk0`, where the agent
(`--netns`) makes each network's VLAN, bridge, dnsmasq and security-group filters. The agent
gets its settings from the SKYLEDGER_* variables the test put in the command.

Signals between the test and the two guests are files in the share, never sleeps:
    plan.json      (test)  every booted port: host, VLAN, bridge, id, MAC, address; written once
                           both agents have acted on the whole log up to the boots
    ROLE.json      (each)  what the guest found: its segments' links, its guests' DHCP leases,
                           and on hv-a the reachability checks
    hv-b.ready / hv-a.done  hv-b's guests are up / hv-a has checked (hv-b may power off)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from domain.network.port_filters import tap_device
from tests.support.network_namespaces import (
    UDHCPC_SH,
    Host,
    Namespaces,
    connect,
    ip,
    link_details,
    pings,
    sh,
    unreachable,
)
from tests.support.waiting import wait_for

PEER_WAIT_S = 1200.0  # the test waits for both agents; the other guest is as slow as this one
TRUNK = "trunk0"
PROBE_HOST_NUMBER = 250  # a probe's address in the other VLAN's subnet
DATA_DIR = "/var/lib/skyledger"  # in the guest's overlay: its own, as each host's is


def nic_with_mac(mac: str) -> str:
    for nic in Path("/sys/class/net").iterdir():
        if (nic / "address").read_text().strip() == mac.lower():
            return nic.name
    raise AssertionError(f"no NIC with MAC {mac}")


def load_br_netfilter() -> None:
    """As a host's modules-load.d would: the security-group filters set br_netfilter's sysctls,
    and nothing asks the kernel for that module (a tap or nft rule loads what it needs)."""
    modprobe = Path("/proc/sys/kernel/modprobe").read_text().strip()
    subprocess.run([modprobe, "br_netfilter"], check=True, timeout=60)


def start_agent(role: str, hv: str, share: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SKYLEDGER_PHYSICAL_INTERFACE": TRUNK, "SKYLEDGER_SEGMENT_TYPE": "vlan",
           "SKYLEDGER_DATA_DIR": DATA_DIR}
    os.makedirs(DATA_DIR, exist_ok=True)
    with (share / f"{role}.agent.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "ops.cli", "network-agent", "--host", role,
                                 "--netns", hv], env=env, stdout=log, stderr=subprocess.STDOUT)


def plug(namespaces: Namespaces, host: Host, port: dict[str, Any]) -> str:
    """A namespace playing the port's guest, its eth0 on a veth named as the port's tap (so the
    agent's security-group filters apply to it, as to a guest's NIC)."""
    guest = namespaces.new("guest")
    connect(host.ns, tap_device(port["id"]), guest, "eth0", mac_b=port["mac"])
    ip(host.ns, "link", "set", tap_device(port["id"]), "master", port["bridge"])
    ip(guest, "link", "set", "lo", "up")
    return guest


def probe(namespaces: Namespaces, host: Host, bridge: str, address: str) -> str:
    """A namespace on `bridge` that is no port (no filter applies) holding `address`."""
    ns = namespaces.new("probe")
    connect(host.ns, f"pr{bridge}", ns, "eth0")
    ip(host.ns, "link", "set", f"pr{bridge}", "master", bridge)
    ip(ns, "addr", "add", address, "dev", "eth0")
    return ns


def lease(guest: str) -> str | None:
    """What udhcpc was offered and bound, as network_namespaces.lease reads it, with the time
    this guest's slow exec of `ip netns exec` and busybox needs (that one allows 15 s)."""
    script = Path(tempfile.mkdtemp()) / "udhcpc.sh"
    script.write_text(UDHCPC_SH)
    script.chmod(0o755)
    result = sh(guest, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "2",
                "-s", str(script), check=False, timeout=120)
    bound = [line for line in result.stdout.splitlines() if line.startswith("BOUND")]
    return bound[0] if bound else f"no lease: {result.stdout}{result.stderr}"


def segment_links(host: Host, ports: list[dict[str, Any]]) -> dict[str, Any]:
    """For each VLAN: the bridge's lower interface, as `ip -d` reads it."""
    found = {}
    for vlan, bridge in sorted({(p["vlan"], p["bridge"]) for p in ports}):
        out = subprocess.run(["ip", "-n", host.ns, "-j", "link", "show", "master", bridge],
                             capture_output=True, text=True, timeout=15, check=True).stdout
        lower = [link["ifname"] for link in json.loads(out)
                 if not link["ifname"].startswith("tap")]
        details = [link_details(host.ns, name) for name in lower]
        found[str(vlan)] = [{"ifname": d["ifname"], "link": d.get("link"),
                             "kind": d.get("linkinfo", {}).get("info_kind"),
                             "id": d.get("linkinfo", {}).get("info_data", {}).get("id")}
                            for d in details]
    return found


def check(plan: dict[str, Any], guests: dict[str, str], probes: dict[int, str]
          ) -> dict[str, bool]:
    """hv-a's guests ping their project's guest on hv-b; a probe on each VLAN, holding an
    address in the other VLAN's subnet, gets nothing from the other project's guest there."""
    theirs = {p["vlan"]: p["address"].split("/")[0] for p in plan["ports"] if p["host"] == "hv-b"}
    found = {}
    for port in (p for p in plan["ports"] if p["host"] == "hv-a"):
        target = theirs[port["vlan"]]
        found[f"{port['vlan']} reaches {target}"] = pings(guests[port["id"]], target)
    for vlan, ns in probes.items():
        target = next(a for v, a in theirs.items() if v != vlan)
        found[f"{vlan} cannot reach {target}"] = unreachable(ns, target)
    return found


def main(role: str, share: Path, trunk_mac: str, mgmt_mac: str, mgmt_address: str) -> None:
    mgmt = nic_with_mac(mgmt_mac)
    subprocess.run(["ip", "addr", "add", mgmt_address, "dev", mgmt], check=True, timeout=15)
    subprocess.run(["ip", "link", "set", mgmt, "up"], check=True, timeout=15)
    namespaces = Namespaces()  # the guest is thrown away: nothing to remove
    host = Host(namespaces.new("hv"), phys=TRUNK)
    subprocess.run(["ip", "link", "set", nic_with_mac(trunk_mac), "netns", host.ns], check=True,
                   timeout=15)
    ip(host.ns, "link", "set", nic_with_mac_in(host.ns, trunk_mac), "name", TRUNK)
    ip(host.ns, "link", "set", TRUNK, "up")
    load_br_netfilter()
    agent = start_agent(role, host.ns, share)
    try:
        wait_for(lambda: (share / "plan.json").exists() or agent.poll() is not None,
                 "the test's plan", PEER_WAIT_S)
        assert agent.poll() is None, f"the network agent exited with {agent.returncode}"
        plan = json.loads((share / "plan.json").read_text())
        mine = [p for p in plan["ports"] if p["host"] == role]
        guests = {p["id"]: plug(namespaces, host, p) for p in mine}
        found: dict[str, Any] = {
            "segments": segment_links(host, mine),
            "leases": {p["id"]: lease(guests[p["id"]]) for p in mine}}
        for port in mine:  # the address DHCP offered (or not: the test judges the lease)
            ip(guests[port["id"]], "addr", "add", port["address"], "dev", "eth0")
        if role == "hv-b":
            (share / "hv-b.ready").touch()
            (share / f"{role}.json").write_text(json.dumps(found))
            wait_for(lambda: (share / "hv-a.done").exists(), "hv-a to finish", PEER_WAIT_S)
            return
        try:
            wait_for(lambda: (share / "hv-b.ready").exists(), "hv-b to be ready", PEER_WAIT_S)
            probes = {}
            for port in mine:
                other = next(p for p in mine if p["vlan"] != port["vlan"])
                prefix = other["address"].rsplit(".", 1)[0]
                probes[port["vlan"]] = probe(namespaces, host, port["bridge"],
                                             f"{prefix}.{PROBE_HOST_NUMBER}/24")
            found["checks"] = check(plan, guests, probes)
            print(json.dumps(found, indent=1), flush=True)
            (share / f"{role}.json").write_text(json.dumps(found))
        finally:
            (share / "hv-a.done").touch()  # hv-b powers off, whatever happened here
    finally:
        if agent.poll() is None:
            os.kill(agent.pid, signal.SIGTERM)
        print(f"network agent exit status {agent.wait(60)}", flush=True)


def nic_with_mac_in(ns: str, mac: str) -> str:
    out = subprocess.run(["ip", "-n", ns, "-j", "link", "show"], capture_output=True, text=True,
                         timeout=15, check=True).stdout
    return str(next(link["ifname"] for link in json.loads(out)
                    if link.get("address") == mac.lower()))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), *sys.argv[3:6])
