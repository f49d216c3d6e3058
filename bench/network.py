"""Project segments + bridges created and deleted through the HostNetwork adapter (pyroute2)
versus the same interfaces made with `ip link` commands, measured in one run.

    python -m bench.network [--count 100] [--type auto|vxlan|vlan]

Everything happens inside a scratch namespace (`sky-bench-<random>`) that the benchmark creates,
with a veth pair standing in for the physical interface, and deletes at the end (deleting it
would also take any interface a failed run left behind). Per segment, the adapter does what the
agent does (`ensure_segment`: read back, create the segment and the bridge, enslave, bring up,
read back again; `remove_segment`: read back, delete both); the `ip` side runs the four commands
an administrator would (`link add` segment, `link add` bridge, `link set master up`, `link set
up`) and two `link del`. `auto` measures vxlan, and vlan too where the kernel has 802.1Q.
Target (`python -m bench`): the adapter takes no longer than the `ip` commands (ratio <= 1).
Prints, never asserts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pyroute2 import netns

from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.probe import supports_vlan
from adapters.network.segments import VxlanDriver, segment_driver
from bench.figures import Figure
from domain.network.backends import SegmentSpec
from domain.network.bridges import bridge_name
from ops.progress import Progress

PHYS = "phys0"
TARGET_RATIO = 1.0
FIRST_ID = 100  # segmentation ids FIRST_ID .. FIRST_ID + count - 1


@dataclass
class Timing:
    create_s: float = 0.0
    delete_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.create_s + self.delete_s


@contextmanager
def scratch_namespace() -> Iterator[str]:
    name = f"sky-bench-{uuid.uuid4().hex[:8]}"
    netns.create(name)
    try:
        ip(name, "link", "add", PHYS, "type", "veth", "peer", "name", f"{PHYS}p")
        ip(name, "addr", "add", "192.0.2.1/24", "dev", PHYS)  # a VXLAN needs a source address
        ip(name, "link", "set", PHYS, "up")
        yield name
    finally:
        netns.remove(name)


def ip(ns: str, *argv: str) -> None:
    subprocess.run(["ip", "-n", ns, *argv], check=True, capture_output=True)


def timed(label: str, ids: range, action: Callable[[int], object]) -> float:
    with Progress(len(ids), label, unit="segments") as progress:
        started = time.perf_counter()
        for done, sid in enumerate(ids, start=1):
            action(sid)
            progress.update(done)
        return time.perf_counter() - started


def through_adapter(ns: str, kind: str, ids: range) -> Timing:
    with PyrouteHostNetwork(segment_driver(kind, PHYS), netns=ns) as network:
        network.list_segments()  # opens the socket: not part of the measurement
        create = timed(f"adapter {kind} create", ids,
                       lambda sid: network.ensure_segment(SegmentSpec(sid)))
        assert len(network.list_segments()) == len(ids), "the adapter missed segments"
        delete = timed(f"adapter {kind} delete", ids, network.remove_segment)
        return Timing(create, delete)


def segment_argv(kind: str, sid: int) -> list[str]:
    if kind == "vlan":
        return ["link", "add", "link", PHYS, "name", f"{PHYS}.{sid}", "type", "vlan",
                "id", str(sid)]
    driver = VxlanDriver(PHYS)
    return ["link", "add", driver.interface_name(sid), "type", "vxlan", "id", str(sid),
            "dev", PHYS, "group", str(driver.group), "dstport", str(driver.port)]


def through_ip_commands(ns: str, kind: str, ids: range) -> Timing:
    name = (lambda sid: f"{PHYS}.{sid}") if kind == "vlan" else VxlanDriver(PHYS).interface_name

    def create(sid: int) -> None:
        ip(ns, *segment_argv(kind, sid))
        ip(ns, "link", "add", bridge_name(sid), "type", "bridge")
        ip(ns, "link", "set", name(sid), "master", bridge_name(sid), "up")
        ip(ns, "link", "set", bridge_name(sid), "up")

    def delete(sid: int) -> None:
        ip(ns, "link", "del", name(sid))
        ip(ns, "link", "del", bridge_name(sid))

    return Timing(timed(f"ip link {kind} create", ids, create),
                  timed(f"ip link {kind} delete", ids, delete))


def report(kind: str, count: int, adapter: Timing, commands: Timing) -> str:
    def row(label: str, t: Timing) -> str:
        return (f"  {label:<9} create {t.create_s:7.3f} s  delete {t.delete_s:7.3f} s  "
                f"total {t.total_s:7.3f} s  ({count / t.total_s:,.0f} segments/s round trip)")

    return "\n".join([
        f"{kind}: {count} segments + bridges, created then deleted",
        row("adapter", adapter),
        row("ip link", commands),
        f"  ratio adapter / ip link: create {adapter.create_s / commands.create_s:.2f}  "
        f"delete {adapter.delete_s / commands.delete_s:.2f}  "
        f"total {adapter.total_s / commands.total_s:.2f}  (below 1: the adapter is faster)",
    ])


def figures(quick: bool) -> list[Figure]:
    """For `python -m bench`: adapter time over `ip link` time, VXLAN (every kernel has it)."""
    ids = range(FIRST_ID, FIRST_ID + (30 if quick else 100))
    with scratch_namespace() as ns:
        adapter = through_adapter(ns, "vxlan", ids)
        commands = through_ip_commands(ns, "vxlan", ids)
    return [Figure(f"{len(ids)} vxlan segments+bridges, adapter/ip link time",
                   adapter.total_s / commands.total_s, "x", TARGET_RATIO)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.network",
        description="Time creating and deleting N project segments + bridges through the "
                    "pyroute2 HostNetwork adapter and with `ip link` commands, in one run, inside "
                    "a scratch network namespace; print both times and the ratio. Needs root.")
    p.add_argument("--count", type=int, default=100, metavar="N",
                   help="segments (each with its bridge) per side (default 100)")
    p.add_argument("--type", choices=("auto", "vxlan", "vlan"), default="auto",
                   help="segment type; auto: vxlan, plus vlan where the kernel has 802.1Q")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = ["vxlan", "vlan"] if args.type == "auto" else [args.type]
    if "vlan" in kinds and not supports_vlan():
        print("vlan: skipped, the kernel lacks 802.1Q (NetlinkError 95)")
        kinds.remove("vlan")
    ids = range(FIRST_ID, FIRST_ID + max(1, args.count))
    for kind in kinds:
        with scratch_namespace() as ns:
            adapter = through_adapter(ns, kind, ids)
            commands = through_ip_commands(ns, kind, ids)
        print(report(kind, len(ids), adapter, commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
