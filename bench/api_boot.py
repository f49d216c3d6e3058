"""Boots through the REST API at 50 concurrent clients: time to 202 and time to ACTIVE.

    python -m bench.api_boot [--clients 50] [--boots 4] [--store sqlite|postgres]
                             [--projects N] [--hosts N] [--workers N] [--host-subset-size N]

Starts a real `skyledger serve` (uvicorn, embedded compute worker on libvirt's `test:///default`
driver, SQLite by default) in a scratch directory, as tests/e2e/conftest.py does; sets the admin
project's quota to unlimited and raises the allocation ratios so that the one test host takes
every instance; uploads an image; waits until the compute host has registered. One client then
boots `--solo` servers alone (the latency of a request with nobody queued ahead of it). Then
`--clients` threads, each with its own httpx client, each POST `--boots` servers one after the
other, all in the admin project or spread over `--projects` projects (each with a member user),
onto the embedded host or also `--hosts`-1 more `skyledger compute` processes.
Time to 202 is measured by each client around its POST. Time to ACTIVE is seen by one watcher
that lists the servers still building every `--poll` seconds (so it is rounded up to that
interval; one light watcher instead of fifty pollers keeps the read load from distorting the
202 times). The report adds the concurrent phase's throughput, the server CPU one boot cost, and
what Little's law makes of them (bench/api_boot_report.py).

One project's network holds 253 addresses: keep 3 warm-up + solo + clients x boots below that,
or spread the clients with `--projects`.

Targets: 202 in <= 20 ms p50 and <= 100 ms p99. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.api_boot_report import (
    TARGET_P50_MS,
    TARGET_P99_MS,
    Phase,
    ProcessCpu,
    Results,
    log_errors,
    percentile,
    report,
)
from bench.event_append import scratch_schema
from bench.figures import Figure
from bench.profile import Probe
from ops.local_server import free_port, launch
from ops.progress import Progress

ADMIN_PASSWORD = "bench-admin-secret"
COMPUTE = "/compute/v2.1"


# -- the server --------------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    computes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def add_compute_host(self, tmp: Path, host: str) -> None:
        """Another hypervisor host: `skyledger compute` as a process of its own."""
        log = (tmp / f"{host}.log").open("wb")
        self.computes.append(subprocess.Popen(
            [sys.executable, "-m", "ops.cli", "compute", "--host", host, "--log-level",
             "warning"], cwd=tmp, env=self.env, stdout=log, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for process in (*self.computes, self.process):
            process.terminate()
        for process in (*self.computes, self.process):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def start_server(tmp: Path, database_url: str | None, workers: int = 1,
                 host_subset_size: int = 1) -> Server:
    port = free_port()
    env = {**os.environ, "SKYLEDGER_DATA_DIR": str(tmp / "var"),
           "SKYLEDGER_BIND": f"127.0.0.1:{port}", "SKYLEDGER_FAST_HASHING": "1",
           "SKYLEDGER_ADMIN_PASSWORD": ADMIN_PASSWORD, "SKYLEDGER_HOST": "bench-host",
           # The test driver's one host is small; the bench is about the API, not capacity.
           "SKYLEDGER_CPU_ALLOCATION_RATIO": "1000", "SKYLEDGER_RAM_ALLOCATION_RATIO": "1000",
           "SKYLEDGER_DISK_ALLOCATION_RATIO": "1000",
           "SKYLEDGER_SCHEDULER_HOST_SUBSET_SIZE": str(host_subset_size)}
    if database_url:
        env["SKYLEDGER_DATABASE_URL"] = database_url
    log = tmp / "server.log"
    extra = ("--log-level", "warning", *(("--workers", str(workers)) if workers > 1 else ()))
    process, url = launch(tmp, env, log, extra_args=extra)
    return Server(url, process, log, env)


# -- setting the cloud up ----------------------------------------------------------------------
def token(url: str, user: str, password: str, project: str) -> tuple[str, str]:
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}
    response = httpx.post(f"{url}/identity/v3/auth/tokens", json={"auth": auth}, timeout=30)
    response.raise_for_status()
    return response.headers["X-Subject-Token"], response.json()["token"]["project"]["id"]


def unlimit(client: httpx.Client, project_id: str) -> None:
    quota = {"quota_set": {"instances": -1, "cores": -1, "ram": -1}}
    client.put(f"{COMPUTE}/os-quota-sets/{project_id}", json=quota).raise_for_status()


def tenants(client: httpx.Client, url: str, count: int) -> list[str]:
    """`count` projects, each with a member user and unlimited quota; returns their tokens."""
    member = client.get("/identity/v3/roles", params={"name": "member"}).json()["roles"][0]["id"]
    tokens = []
    for n in range(count):
        name, password = f"bench-{n:02d}", f"pw-bench-{n:02d}"
        project = client.post("/identity/v3/projects", json={"project": {
            "name": name, "domain_id": "default"}}).json()["project"]["id"]
        user = client.post("/identity/v3/users", json={"user": {
            "name": name, "password": password, "default_project_id": project}}).json()["user"]
        client.put(f"/identity/v3/projects/{project}/users/{user['id']}/roles/{member}"
                   ).raise_for_status()
        unlimit(client, project)
        tokens.append(token(url, name, password, name)[0])
    return tokens


def prepare(client: httpx.Client, project_id: str, hosts: int) -> str:
    """Unlimited quota, one public image, `hosts` registered compute hosts; returns the image
    id."""
    unlimit(client, project_id)
    image = client.post("/image/v2/images", json={
        "name": "bench-guest", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    image.raise_for_status()
    image_id = str(image.json()["id"])
    client.put(f"/image/v2/images/{image_id}/file", content=b"bench guest image bytes",
               headers={"Content-Type": "application/octet-stream"}).raise_for_status()
    deadline = time.monotonic() + 60
    while len(client.get(f"{COMPUTE}/os-hypervisors").json().get("hypervisors", [])) < hosts:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{hosts} compute hosts did not all register in 60 s")
        time.sleep(0.2)
    return image_id


def boot_body(name: str, image_id: str) -> dict[str, Any]:
    return {"server": {"name": name, "flavorRef": "1", "imageRef": image_id}}


# -- the measurement ---------------------------------------------------------------------------
def client_loop(url: str, token: str, image_id: str, boots: int, name: str,
                start: threading.Barrier, results: Results) -> None:
    with httpx.Client(base_url=url, headers={"X-Auth-Token": token}, timeout=60) as client:
        start.wait()
        for n in range(boots):
            began = time.perf_counter()
            try:
                response = client.post(f"{COMPUTE}/servers",
                                       json=boot_body(f"{name}-{n}", image_id))
            except httpx.HTTPError as error:  # counted: a dropped connection is a result too
                with results.lock:
                    results.refused[f"{type(error).__name__}: {error}"] += 1
                continue
            took = (time.perf_counter() - began) * 1000.0
            with results.lock:
                if response.status_code == 202:
                    results.to_202.append(took)
                    results.accepted[response.json()["server"]["id"]] = began
                else:
                    results.refused[f"{response.status_code} {response.text[:120]}"] += 1


def watch(client: httpx.Client, results: Results, poll: float, stop: threading.Event) -> None:
    """Record when each accepted server is first seen no longer building.

    Only servers still in BUILD are listed (a list of every server, fifty times a second, would
    cost the server more CPU than the boots being measured). A server accepted before a poll
    began is in the read model (the API answers 202 only after its read models caught up), so
    its absence from that poll's list means it has finished; `classify` reads ACTIVE or ERROR.
    """
    while not stop.is_set():
        seen = time.perf_counter()
        with results.lock:
            waiting = set(results.accepted) - set(results.finished)
        try:
            building = {s["id"] for s in list_all(client, "&status=BUILD")}
        except (httpx.HTTPError, ValueError):  # a 500 page is not JSON; look again next time
            building = waiting
        with results.lock:
            for server_id in waiting - building:
                results.finished[server_id] = (seen, "")
        stop.wait(poll)


def classify(client: httpx.Client, results: Results) -> None:
    """Fill in how each finished server ended, from one list of every server."""
    status = {s["id"]: s["status"] for s in list_all(client)}
    for server_id, (seen, _) in list(results.finished.items()):
        results.finished[server_id] = (seen, status.get(server_id, "GONE"))


def list_all(client: httpx.Client, query: str = "") -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    path: str | None = f"{COMPUTE}/servers/detail?all_tenants=1&limit=1000{query}"
    while path:
        body = client.get(path).json()
        servers += body.get("servers", [])
        links = body.get("servers_links") or []
        path = links[0]["href"] if links else None
    return servers


@dataclass(frozen=True)
class Plan:
    clients: int
    boots: int
    projects: int
    hosts: int
    poll: float
    wait: float
    solo: int


def measure(url: str, plan: Plan, cpu: ProcessCpu, probe: Probe | None = None) -> Results:
    admin_token, project_id = token(url, "admin", ADMIN_PASSWORD, "admin")
    results = Results()
    with httpx.Client(base_url=url, headers={"X-Auth-Token": admin_token}, timeout=60) as admin:
        image_id = prepare(admin, project_id, plan.hosts)
        # One project: every boot claims on the same quota ledger; more spread the claims.
        tokens = [admin_token] if plan.projects <= 1 else tenants(admin, url, plan.projects)
        for n in range(3):  # warm up: imports, connections, the first events of each kind
            admin.post(f"{COMPUTE}/servers", json=boot_body(f"w-{n}", image_id)).raise_for_status()
        with probe.solo() if probe else nullcontext():
            solo_boots(admin, image_id, plan.solo, results)
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(admin, results, plan.poll, stop),
                                   daemon=True)
        watcher.start()
        with probe.concurrent() if probe else nullcontext():
            with Phase(cpu, results):
                run_clients(url, tokens, image_id, plan.clients, plan.boots, results)
            wait_for_all(results, plan.wait)
        if probe:
            print(probe.summary(plan.solo, len(results.accepted)), file=sys.stderr, flush=True)
        stop.set()
        watcher.join()
        classify(admin, results)
    return results


def solo_boots(admin: httpx.Client, image_id: str, boots: int, results: Results) -> None:
    """One client alone: the request's own cost, no queue."""
    for n in range(boots):
        began = time.perf_counter()
        admin.post(f"{COMPUTE}/servers", json=boot_body(f"solo-{n}", image_id)).raise_for_status()
        results.solo_202.append((time.perf_counter() - began) * 1000.0)


def run_clients(url: str, tokens: list[str], image_id: str, clients: int, boots: int,
                results: Results) -> None:
    start = threading.Barrier(clients)
    threads = [threading.Thread(target=client_loop, args=(url, tokens[c % len(tokens)],
                                                          image_id, boots,
                                                          f"bench-{c:02d}", start, results))
               for c in range(clients)]
    for thread in threads:
        thread.start()
    with Progress(clients * boots, "POST /servers", unit="boots") as bar:
        while any(t.is_alive() for t in threads):
            bar.update(len(results.to_202) + sum(results.refused.values()))
            time.sleep(0.05)
        bar.update(len(results.to_202) + sum(results.refused.values()))
    for thread in threads:
        thread.join()


def wait_for_all(results: Results, wait: float) -> None:
    deadline = time.monotonic() + wait
    with Progress(len(results.accepted), "until ACTIVE", unit="servers") as bar:
        while time.monotonic() < deadline:
            done = sum(1 for i in results.accepted if i in results.finished)
            bar.update(done)
            if done == len(results.accepted):
                return
            time.sleep(0.05)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.api_boot",
        description="Boot servers through the REST API of a real `skyledger serve` (embedded "
                    "compute on libvirt's test driver) from concurrent clients; print p50/p99 "
                    f"time to 202 and to ACTIVE. Targets: 202 <= {TARGET_P50_MS:.0f} ms p50, "
                    f"<= {TARGET_P99_MS:.0f} ms p99.")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    p.add_argument("--boots", type=int, default=4, metavar="N",
                   help="servers each client boots, one after another (default 4)")
    p.add_argument("--projects", type=int, default=1, metavar="N",
                   help="spread the clients over N projects, each with its own member user "
                        "and quota ledger (default 1: the admin project, the worst case)")
    p.add_argument("--hosts", type=int, default=1, metavar="N",
                   help="compute hosts: the embedded one plus N-1 `skyledger compute` processes "
                        "(default 1). Each boot claims on its host's ledger, so one host is the "
                        "worst case for conflicts")
    p.add_argument("--solo", type=int, default=20, metavar="N",
                   help="boots by one client alone before the concurrent phase, to show the "
                        "latency of a request with no queue ahead of it (default 20)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="API worker processes of `skyledger serve --workers` (default 1)")
    p.add_argument("--host-subset-size", type=int, default=1, metavar="N",
                   help="the server's SKYLEDGER_SCHEDULER_HOST_SUBSET_SIZE: with --hosts, "
                        "concurrent boots spread over the best N hosts (default 1, Nova's)")
    p.add_argument("--poll", type=float, default=0.05, metavar="SECONDS",
                   help="how often the watcher lists servers (default 0.05)")
    p.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                   help="how long to wait for every server to become ACTIVE (default 60)")
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                   help="the server's event store: the embedded SQLite file (default) or "
                        "PostgreSQL")
    p.add_argument("--database-url", default=None,
                   help="with --store postgres: postgresql://user@host:port/db[?schema=NAME] "
                        "(default: a fresh schema in database 'postgres' at 127.0.0.1, dropped "
                        "after)")
    p.add_argument("--profile", type=Path, default=None, metavar="DIR", help="py-spy the "
                   "server from the concurrent phase to ACTIVE into DIR (bench/profile.py)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results, plan, where, errors = run(args)
    report(results, plan.clients, plan.boots, args.poll, where, errors)
    return 0


def run(args: argparse.Namespace) -> tuple[Results, Plan, str, list[tuple[str, int]]]:
    plan = Plan(max(1, args.clients), max(1, args.boots), args.projects, max(1, args.hosts),
                args.poll, args.wait, max(0, args.solo))
    with tempfile.TemporaryDirectory(prefix="skyledger-bench-") as tmp, \
            event_store(args.store, args.database_url) as url:
        print(f"starting skyledger serve in {tmp} ...", file=sys.stderr, flush=True)
        server = start_server(Path(tmp), url, args.workers, args.host_subset_size)
        try:
            for n in range(1, plan.hosts):
                server.add_compute_host(Path(tmp), f"bench-host-{n}")
            cpu = ProcessCpu([server.process.pid, *(c.pid for c in server.computes)])
            probe = Probe(server.process.pid, cpu.seconds, args.profile, args.store, url)
            results = measure(server.url, plan, cpu, probe)
        finally:
            server.stop()
        return results, plan, setup(args, plan, url), log_errors(server.log)


def figures(quick: bool) -> list[Figure]:
    """For `python -m bench`: time to 202 at 50 clients (SQLite), and for one client alone."""
    results, plan, _, _ = run(parse_args(["--boots", "2" if quick else "4"]))
    return [Figure(f"boot 202 p50, {plan.clients} clients", percentile(results.to_202, 0.5),
                   "ms", TARGET_P50_MS),
            Figure(f"boot 202 p99, {plan.clients} clients", percentile(results.to_202, 0.99),
                   "ms", TARGET_P99_MS),
            Figure("boot 202 p50, one client alone", percentile(results.solo_202, 0.5), "ms",
                   TARGET_P50_MS)]


def setup(args: argparse.Namespace, plan: Plan, url: str | None) -> str:
    text = (f"{'PostgreSQL' if url else 'SQLite (file)'}, {max(1, args.projects)} project(s), "
            f"{plan.hosts} compute host(s) on test:///default")
    if args.workers > 1:
        text += f", {args.workers} API worker processes"
    if args.host_subset_size > 1:
        text += f", host subset size {args.host_subset_size}"
    return text


@contextmanager
def event_store(store: str, database_url: str | None) -> Iterator[str | None]:
    """None for the embedded SQLite default; else a PostgreSQL URL (a fresh schema unless the
    URL names one)."""
    if store == "sqlite":
        yield None
        return
    with scratch_schema(database_url) as url:
        yield url


if __name__ == "__main__":
    sys.exit(main())
