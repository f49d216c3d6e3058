"""Gratuitous ARP for IPv4 addresses a host just took on, as Neutron's L3 agent sends them
(neutron/agent/linux/ip_lib.py send_ip_addr_adv_notif).

When a router is built on a host (first placement, or a failover from a dead agent's host), its
legs keep their ports' MACs but sit behind other bridge ports: switches and neighbours still
send to where the router was until their caches age out. An unsolicited ARP request (`arping
-U`) and reply (`arping -A`) for each new address make them learn the new place at once (a
neighbour's existing ARP entry takes the announced MAC; a bridge learns the port).

As in Neutron: `count` rounds, `interval` apart (the kernel rate-limits updates of one entry:
its locktime), one request and one reply per address each round, from a background thread, so
building a router never waits on them. A round that fails (the leg or the namespace removed
meanwhile, arping missing) is logged (a warning in the first round only) and the rest dropped:
an announcement is a hint, the addresses work without it once caches expire. IPv6 needs none:
neighbour discovery covers it.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Sequence
from ipaddress import IPv4Address

from adapters.network.namespaces import run_in
from domain.process.effects import record

log = logging.getLogger(__name__)

COUNT = 3  # Neutron's default
INTERVAL = 0.5  # seconds between rounds (Neutron's ARPING_SLEEP)
MODES = ("-U", "-A")  # a request, then a reply: some peers heed only one kind


def announce(netns: str | None, interface: str, addresses: Sequence[IPv4Address],
             count: int = COUNT, interval: float = INTERVAL) -> threading.Thread | None:
    """Start announcing `addresses` from `interface` in `netns`; the thread doing it (None when
    there is nothing to announce)."""
    if not addresses or count <= 0:
        return None
    for address in addresses:
        record("arping", "gratuitous ARP", interface, address=address, netns=netns)
    thread = threading.Thread(target=_rounds, args=(netns, interface, tuple(addresses), count,
                                                    interval),
                              name=f"garp-{interface}", daemon=True)
    thread.start()
    return thread


def _rounds(netns: str | None, interface: str, addresses: tuple[IPv4Address, ...], count: int,
            interval: float) -> None:
    pause = threading.Event()  # never set: its wait is the pause between rounds
    for round_ in range(count):
        if round_:
            pause.wait(interval)
        for address in addresses:
            for mode in MODES:
                # Only a first failure is news: a later one is the router removed meanwhile.
                level = logging.WARNING if round_ == 0 else logging.DEBUG
                if not _arping(netns, interface, address, mode, level):
                    return


def _arping(netns: str | None, interface: str, address: IPv4Address, mode: str,
            level: int) -> bool:
    # -w bounds the run should the interface go away under it. arping exits 1 when no one
    # answers, which an unsolicited announcement never expects.
    argv = ["arping", mode, "-I", interface, "-c", "1", "-w", "2", str(address)]
    try:
        result = run_in(netns, argv, timeout=10.0)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.log(level, "gratuitous ARP for %s on %s not sent: %s", address, interface, error)
        return False
    if result.returncode not in (0, 1):
        log.log(level, "gratuitous ARP for %s on %s stopped (exit %s): %s", address,
                interface, result.returncode, result.stderr.strip())
        return False
    return True
