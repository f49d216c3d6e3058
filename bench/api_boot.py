"""Boots through the REST API at 50 concurrent clients: time to 202 and time to ACTIVE.

    python -m bench.api_boot [--clients 50] [--boots 4] [--store sqlite|postgres]

Starts a real `skyledger serve` (uvicorn, embedded compute worker on libvirt's `test:///default`
driver, SQLite by default) in a scratch directory, as tests/e2e/conftest.py does; sets the admin
project's quota to unlimited and raises the allocation ratios so that the one test host takes
every instance; uploads an image; waits until the compute host has registered. Then `--clients`
threads, each with its own httpx client, each POST `--boots` servers one after the other, all
in the admin project or spread over `--projects` projects (each with a member user), onto the
embedded host or also `--hosts`-1 more `skyledger compute` processes.
Time to 202 is measured by each client around its POST. Time to ACTIVE is seen by one watcher
that lists /servers/detail every `--poll` seconds (so it is rounded up to that interval; one
watcher instead of fifty pollers keeps the read load from distorting the 202 times).

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
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.event_append import scratch_schema
from ops.local_server import free_port, launch
from ops.progress import Progress

TARGET_P50_MS, TARGET_P99_MS = 20.0, 100.0
ADMIN_PASSWORD = "bench-admin-secret"
COMPUTE = "/compute/v2.1"


# -- the server --------------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def add_compute_host(self, tmp: Path, host: str) -> None:
        """Another hypervisor host: `skyledger compute` as a process of its own."""
        log = (tmp / f"{host}.log").open("wb")
        self.workers.append(subprocess.Popen(
            [sys.executable, "-m", "ops.cli", "compute", "--host", host, "--log-level",
             "warning"], cwd=tmp, env=self.env, stdout=log, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for process in (*self.workers, self.process):
            process.terminate()
        for process in (*self.workers, self.process):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def start_server(tmp: Path, database_url: str | None) -> Server:
    port = free_port()
    env = {**os.environ, "SKYLEDGER_DATA_DIR": str(tmp / "var"),
           "SKYLEDGER_BIND": f"127.0.0.1:{port}", "SKYLEDGER_FAST_HASHING": "1",
           "SKYLEDGER_ADMIN_PASSWORD": ADMIN_PASSWORD, "SKYLEDGER_HOST": "bench-host",
           # The test driver's one host is small; the bench is about the API, not capacity.
           "SKYLEDGER_CPU_ALLOCATION_RATIO": "1000", "SKYLEDGER_RAM_ALLOCATION_RATIO": "1000",
           "SKYLEDGER_DISK_ALLOCATION_RATIO": "1000"}
    if database_url:
        env["SKYLEDGER_DATABASE_URL"] = database_url
    log = tmp / "server.log"
    process, url = launch(tmp, env, log, timeout=60, extra_args=("--log-level", "warning"))
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
        "name": "bench-guest", "disk_format": "qcow2", "container_format": "bare",
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
@dataclass
class Results:
    accepted: dict[str, float] = field(default_factory=dict)  # server id -> POST start
    to_202: list[float] = field(default_factory=list)  # ms
    finished: dict[str, tuple[float, str]] = field(default_factory=dict)  # id -> (when, status)
    refused: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


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
    """Record when each server is first listed ACTIVE (or ERROR)."""
    while not stop.is_set():
        seen = time.perf_counter()
        try:
            servers = list_all(client)
        except (httpx.HTTPError, ValueError):  # a 500 page is not JSON; look again next time
            servers = []
        for server in servers:
            if server["status"] in ("ACTIVE", "ERROR") and server["id"] not in results.finished:
                with results.lock:
                    results.finished[server["id"]] = (seen, server["status"])
        stop.wait(poll)


def list_all(client: httpx.Client) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    path: str | None = f"{COMPUTE}/servers/detail?all_tenants=1&limit=1000"
    while path:
        body = client.get(path).json()
        servers += body.get("servers", [])
        links = body.get("servers_links") or []
        path = links[0]["href"] if links else None
    return servers


def measure(url: str, clients: int, boots: int, projects: int, hosts: int, poll: float,
            wait: float) -> Results:
    admin_token, project_id = token(url, "admin", ADMIN_PASSWORD, "admin")
    results = Results()
    with httpx.Client(base_url=url, headers={"X-Auth-Token": admin_token}, timeout=60) as admin:
        image_id = prepare(admin, project_id, hosts)
        # One project: every boot claims on the same quota ledger; more spread the claims.
        tokens = [admin_token] if projects <= 1 else tenants(admin, url, projects)
        for n in range(3):  # warm up: imports, connections, the first events of each kind
            admin.post(f"{COMPUTE}/servers",
                       json=boot_body(f"warmup-{n}", image_id)).raise_for_status()
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(admin, results, poll, stop), daemon=True)
        watcher.start()
        run_clients(url, tokens, image_id, clients, boots, results)
        wait_for_all(results, wait)
        stop.set()
        watcher.join()
    return results


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


# -- the report --------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def log_errors(log: Path) -> list[tuple[str, int]]:
    """The most frequent exception lines of the server's log, to say why requests failed."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()
             if "Error:" in line and not line.startswith(" ")]
    return Counter(line[:160] for line in lines).most_common(3)


def report(results: Results, clients: int, boots: int, poll: float, store: str,
           errors: list[tuple[str, int]]) -> None:
    to_active = [(results.finished[i][0] - began) * 1000.0
                 for i, began in results.accepted.items()
                 if results.finished.get(i, (0.0, ""))[1] == "ACTIVE"]
    statuses = Counter(status for _, status in results.finished.values())
    pending = len(results.accepted) - sum(1 for i in results.accepted if i in results.finished)
    p50, p99 = percentile(results.to_202, 0.5), percentile(results.to_202, 0.99)
    print(f"{clients} clients x {boots} boots on {store}")
    print(f"202 Accepted: {len(results.to_202)}; refused: {dict(results.refused) or 0}")
    print(f"time to 202   : p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  "
          f"max {max(results.to_202, default=0):8.1f} ms")
    print(f"time to ACTIVE: p50 {percentile(to_active, 0.5):8.1f} ms  p99 "
          f"{percentile(to_active, 0.99):8.1f} ms  (seen by a watcher polling every "
          f"{poll * 1000:.0f} ms); ACTIVE {statuses['ACTIVE']}, ERROR {statuses['ERROR']}, "
          f"not finished {pending}")
    if errors:
        print("server log errors: " + "; ".join(f"{n} x {line}" for line, n in errors))
    ok = p50 <= TARGET_P50_MS and p99 <= TARGET_P99_MS
    print(f"target 202 <= {TARGET_P50_MS:.0f} ms p50 and <= {TARGET_P99_MS:.0f} ms p99: "
          f"{'meets' if ok else 'misses'} target")


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
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="skyledger-bench-") as tmp, \
            event_store(args.store, args.database_url) as url:
        print(f"starting skyledger serve in {tmp} ...", file=sys.stderr, flush=True)
        server = start_server(Path(tmp), url)
        try:
            for n in range(1, args.hosts):
                server.add_compute_host(Path(tmp), f"bench-host-{n}")
            results = measure(server.url, max(1, args.clients), max(1, args.boots),
                              args.projects, max(1, args.hosts), args.poll, args.wait)
        finally:
            server.stop()
        where = (f"{'PostgreSQL' if url else 'SQLite (file)'}, {max(1, args.projects)} "
                 f"project(s), {max(1, args.hosts)} compute host(s) on test:///default")
        report(results, args.clients, args.boots, args.poll, where, log_errors(server.log))
    return 0


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
