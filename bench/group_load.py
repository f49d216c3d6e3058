"""Cold load of a project's default security group and network, early and after many boots.

    python -m bench.group_load [--boots 2000] [--early 100] [--live 10] [--store sqlite|postgres]

Every port a boot makes joins the project's default security group and takes addresses on its
network; releasing it (the server's delete) records both again. The aggregates' state is the
live ports, but their events are every port ever made, so a load that replays from event zero
costs more with every boot. Since issue 18 both are snapshotted like the quota ledgers.

This writes the ports through the real commands (PortService.create_port and delete_port, the
same plan_port_groups a boot runs), keeping `--live` ports alive as a steady project would,
and measures cold loads (no aggregate cache) of both aggregates twice: after `--early` boots
and after `--boots`. Each time two applications on the same store load them alternately: one
as before (no snapshots: every event from zero), one as now (latest snapshot plus the events
after it). It prints the events each load reads, the fastest of `--repeat` loads (this
machine's other work adds spikes of ~10 ms to a few loads in any run), and the growth ratios
(after `--boots` / after `--early`) of each way. Both ways must give the same state, which is
checked too. Prints measurements, never asserts; not part of the test suite.

The events a load from a snapshot reads go up and down between 0 and the interval (100) less
one, with the aggregate's version since its latest snapshot; each boot adds two (join, leave).
The defaults put both points at the same place in that cycle (1,900 boots apart: 3,800
events), so their ratio compares like with like.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from adapters.persistence import Database
from bench.aggregate_load import NO_CACHE, scratch_store
from bench.figures import Figure
from domain.app import DEFAULT_SNAPSHOT_INTERVAL, SkyLedger
from domain.context import RequestContext
from domain.network.config import NetworkConfig
from domain.network.security_group import default_group_id
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortRequest, PortService
from ops.progress import Progress

PROJECT = "bench-project"
MEMBER = RequestContext(user_id="bench-user", project_id=PROJECT, roles=("member",))
# At most this many times the early load's cost after the full run (snapshots: about 1).
TARGET_GROWTH = 2.0


@dataclass(frozen=True)
class Load:
    """Cold loads of one aggregate, one way: events read (stored events applied) and seconds."""
    events: int
    seconds: float
    same_state: bool


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.group_load",
        description="Measure cold loads of a project's default security group and network "
                    "after a few boots and after many, replayed from zero (before) and from "
                    "the latest snapshot (now), in one run, and print the growth ratios.")
    p.add_argument("--boots", type=int, default=2000, metavar="N",
                   help="ports made and released in all (default 2000)")
    p.add_argument("--early", type=int, default=100, metavar="N",
                   help="boots before the first measurement (default 100)")
    p.add_argument("--live", type=int, default=10, metavar="N",
                   help="ports kept alive throughout (default 10)")
    p.add_argument("--repeat", type=int, default=15, metavar="N",
                   help="cold loads of each kind at each point; the fastest counts "
                        "(default 15)")
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                   help="sqlite: a temporary file (default); postgres: a fresh schema, dropped")
    p.add_argument("--database-url", default=None, metavar="URL",
                   help="with --store postgres: postgresql://user@host:port/db")
    return p.parse_args(argv)


class Project:
    """One project's network and default group, its ports made and released as boots do."""

    def __init__(self, url: str, live: int) -> None:
        self.app = SkyLedger(env=Database(url).event_store_env())
        self.ports = PortService(self.app)
        network = NetworkService(self.app, NetworkConfig()).ensure_project_network(
            MEMBER, PROJECT)
        self.network_id, self.group_id = network.id, default_group_id(PROJECT)
        self.live: list[str] = []
        self.live_target, self.booted = live, 0

    def boot_until(self, boots: int) -> None:
        with Progress(boots - self.booted, f"boots to {boots}", unit="boots",
                      stream=sys.stderr) as bar:
            start = self.booted
            while self.booted < boots:
                port = self.ports.create_port(MEMBER, self.network_id.hex, PortRequest())
                self.live.append(port.id.hex)
                if len(self.live) > self.live_target:
                    self.ports.delete_port(MEMBER, self.live.pop(0))
                self.booted += 1
                bar.update(self.booted - start)


def cold_loads(url: str, aggregate_id: UUID, repeat: int) -> dict[str, Load]:
    """Alternating cold loads as before (no snapshots) and now, so noise hits both alike."""
    env = {**Database(url).event_store_env(), **NO_CACHE}
    ways = {"before": SkyLedger(env=env, snapshot_interval=0),
            "now": SkyLedger(env=env, snapshot_interval=DEFAULT_SNAPSHOT_INTERVAL)}
    try:
        times: dict[str, list[float]] = {way: [] for way in ways}
        loaded: dict[str, Any] = {}
        for _ in range(repeat):
            for way, app in ways.items():
                started = time.perf_counter()
                loaded[way] = app.repository.get(aggregate_id)
                times[way].append(time.perf_counter() - started)
        snapshots = ways["now"].snapshots
        assert snapshots is not None
        latest = list(snapshots.get(aggregate_id, desc=True, limit=1))
        from_version = latest[0].originator_version if latest else 0
        same = vars(loaded["before"]) == vars(loaded["now"])
        version = loaded["before"].version
        return {"before": Load(version, min(times["before"]), same),
                "now": Load(version - from_version, min(times["now"]), same)}
    finally:
        for app in ways.values():
            app.close()


def measure(url: str, boots: int, early: int, live: int,
            repeat: int) -> dict[str, dict[int, dict[str, Load]]]:
    """{aggregate: {boots: {way: Load}}} at `early` and at `boots`."""
    project = Project(url, live)
    try:
        found: dict[str, dict[int, dict[str, Load]]] = {"security group": {}, "network": {}}
        for point in (early, boots):
            project.boot_until(point)
            found["security group"][point] = cold_loads(url, project.group_id, repeat)
            found["network"][point] = cold_loads(url, project.network_id, repeat)
        return found
    finally:
        project.app.close()


def growth(loads: dict[int, dict[str, Load]], early: int, boots: int, way: str,
           events: bool = False) -> float:
    first, last = (loads[point][way] for point in (early, boots))
    if events:
        return last.events / first.events if first.events else float("inf")
    return last.seconds / first.seconds if first.seconds else float("inf")


def report(store: str, early: int, boots: int, live: int,
           found: dict[str, dict[int, dict[str, Load]]]) -> None:
    print(f"store: {store}; {live} live ports; fastest cold loads (no aggregate cache); "
          f"before = replay from event zero, now = latest snapshot (every "
          f"{DEFAULT_SNAPSHOT_INTERVAL} events) + the events after it")
    for name, loads in found.items():
        for point in (early, boots):
            row = loads[point]
            print(f"{name:>14} after {point:>6} boots: before {row['before'].events:>6} events "
                  f"{row['before'].seconds * 1000:8.2f} ms | now {row['now'].events:>4} events "
                  f"{row['now'].seconds * 1000:8.2f} ms | same state: {row['now'].same_state}")
        print(f"{name:>14} growth, {boots} boots / {early}: events read before "
              f"{growth(loads, early, boots, 'before', events=True):6.1f}x, now "
              f"{growth(loads, early, boots, 'now', events=True):6.2f}x; load time before "
              f"{growth(loads, early, boots, 'before'):6.1f}x, now "
              f"{growth(loads, early, boots, 'now'):6.2f}x")
        last = loads[boots]
        print(f"{name:>14} after {boots} boots, now / before: load time "
              f"{last['now'].seconds / last['before'].seconds:6.3f}")


def figures(quick: bool) -> list[Figure]:
    """For `python -m bench`: the cold-load growth over 2,000 boots (600 with --quick)."""
    boots = 600 if quick else 2000
    with scratch_store("sqlite", None) as url:
        found = measure(url, boots, 100, 10, 15)
    return [Figure(f"{name} cold load growth, {boots:,} boots / 100", growth(
                loads, 100, boots, "now"), "x", TARGET_GROWTH)
            for name, loads in found.items()]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    early = max(1, args.early)
    boots = max(early + 1, args.boots)
    with scratch_store(args.store, args.database_url) as url:
        found = measure(url, boots, early, max(0, args.live), max(1, args.repeat))
    report(args.store, early, boots, max(0, args.live), found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
