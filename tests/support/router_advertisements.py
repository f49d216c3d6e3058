"""A namespace taking its IPv6 address from router advertisements (SLAAC), for the router tests."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from ipaddress import IPv6Address, IPv6Network

from tests.support.network_namespaces import ip


def global_addresses(ns: str, device: str = "eth0") -> list[dict[str, object]]:
    out = subprocess.run(["ip", "-n", ns, "-6", "-j", "addr", "show", "dev", device,
                          "scope", "global"], capture_output=True, text=True, timeout=15,
                         check=True).stdout
    return [a for link in json.loads(out or "[]") for a in link.get("addr_info", [])
            if "local" in a]


def slaac_address(ns: str, prefix: str, device: str = "eth0", timeout: float = 30.0) -> str:
    """The address `ns` configured itself in `prefix` from an advertisement (usable: not
    tentative). The link is cycled first so the kernel solicits one at once (a router sends
    its own unsolicited ones only every few minutes). Fails at `timeout` with what it has."""
    ip(ns, "link", "set", device, "down")
    ip(ns, "link", "set", device, "up")
    network = IPv6Network(prefix)
    deadline = time.monotonic() + timeout
    while True:
        found = global_addresses(ns, device)
        for entry in found:
            address = IPv6Address(str(entry["local"]))
            if address in network and not entry.get("tentative") and entry.get("dynamic"):
                return str(address)
        if time.monotonic() > deadline:
            raise AssertionError(f"no SLAAC address in {prefix} on {ns} within {timeout} s: "
                                 f"{found}")
        threading.Event().wait(0.1)
