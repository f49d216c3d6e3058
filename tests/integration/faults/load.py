"""Requests fired from a few threads in a loop while a fault is injected, every answer kept."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

COMPUTE = "/compute/v2.1"
CLIENT_TIMEOUT_S = 10.0  # longer than the API may take to give up (about 4 s), shorter than a hang


@dataclass(frozen=True)
class Answer:
    op: str
    started: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no answer (timeout, connection refused)
    body: dict[str, object] | str
    retry_after: str | None
    created: str | None  # the id or name a 2xx create acknowledged


@dataclass
class Load:
    """`threads` clients cycling through server creates, keypair and flavor creates and lists."""

    url: str
    token: str
    image_id: str
    flavor_id: str
    threads: int = 3
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _names: itertools.count[int] = field(default_factory=itertools.count)

    def start(self) -> None:
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, name=f"load-{n}", daemon=True)
            self._workers.append(worker)
            worker.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=2 * CLIENT_TIMEOUT_S)

    def _run(self) -> None:
        ops = [self.create_server, self.create_keypair, self.list_servers, self.create_flavor]
        headers = {"X-Auth-Token": self.token, "X-OpenStack-Nova-API-Version": "2.37"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=CLIENT_TIMEOUT_S) as client:
            for op in itertools.cycle(ops):
                if self._stop.is_set():
                    return
                self.answers.append(self._timed(op.__name__, lambda op=op: op(client)))

    def _timed(self, name: str,
               call: Callable[[], tuple[httpx.Response, str | None]]) -> Answer:
        started = time.monotonic()
        try:
            response, created = call()
        except httpx.HTTPError as error:
            return Answer(name, started, time.monotonic() - started, None, repr(error), None, None)
        try:
            body: dict[str, object] | str = response.json()
        except ValueError:
            body = response.text
        ok = 200 <= response.status_code < 300
        return Answer(name, started, time.monotonic() - started, response.status_code, body,
                      response.headers.get("Retry-After"), created if ok else None)

    def create_server(self, client: httpx.Client) -> tuple[httpx.Response, str | None]:
        server = {"name": f"load-{next(self._names)}", "flavorRef": self.flavor_id,
                  "imageRef": self.image_id, "networks": "none"}
        response = client.post(f"{COMPUTE}/servers", json={"server": server})
        created = response.json()["server"]["id"] if response.status_code == 202 else None
        return response, created

    def create_keypair(self, client: httpx.Client) -> tuple[httpx.Response, str | None]:
        name = f"load-key-{next(self._names)}"
        return client.post(f"{COMPUTE}/os-keypairs", json={"keypair": {"name": name}}), name

    def create_flavor(self, client: httpx.Client) -> tuple[httpx.Response, str | None]:
        flavor = {"name": f"load-flavor-{next(self._names)}", "ram": 64, "vcpus": 1, "disk": 1}
        response = client.post(f"{COMPUTE}/flavors", json={"flavor": flavor})
        created = response.json()["flavor"]["id"] if response.status_code == 200 else None
        return response, created

    def list_servers(self, client: httpx.Client) -> tuple[httpx.Response, str | None]:
        return client.get(f"{COMPUTE}/servers"), None

    def since(self, moment: float) -> list[Answer]:
        return [a for a in list(self.answers) if a.started >= moment]
