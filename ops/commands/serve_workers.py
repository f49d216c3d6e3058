"""`skyledger serve --workers N`: N API processes on one address, over one event store.

One Python process runs Python code on one core at a time, so an API under load is bound to a
core; several processes use the machine's others (as several API servers behind a load
balancer would use several machines). The parent process keeps what must run once: the
first-start bootstrap and the embedded compute worker. uvicorn's supervisor starts the N worker
processes, and each builds with `worker_app` its own application, read store, read-model
followers and write locks. Followers of several processes share the read models safely (each
batch is applied under the read model's locked tracking row); the write locks queue only the
commands of their own process, and between processes the version check decides, as it does
between API servers on several machines.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from adapters.logging_json import configure as configure_logging
from adapters.settings import Settings

# How the parent hands `--log-level` to the workers (Settings.serve_log_level), which are new
# interpreters (multiprocessing spawn) and so start with no logging configured.
LOG_LEVEL_VARIABLE = "SKYLEDGER_SERVE_LOG_LEVEL"
# uvicorn closes an idle keep-alive connection after 5 s. A client that reuses it just then (a
# busy CLI between its POST and the GET that follows, a load balancer's pooled connection) gets
# "Remote end closed connection without response" for a request the server never saw. Servers
# behind load balancers keep idle connections longer than the balancer does (60 s is common).
KEEP_ALIVE_SECONDS = 65


def uvicorn_logging(settings: Settings) -> dict[str, Any]:
    """uvicorn's own logging options. JSON: its loggers propagate to the root handler (the one
    the process set up) instead of their own."""
    return {"log_config": None} if settings.log_format == "json" else {}


def worker_app() -> FastAPI:
    """uvicorn's app factory, called once in each worker process (settings from the
    environment, which the parent has set up)."""
    from api.app import create_app
    from api.route_warmup import warm_at_start
    from ops.bootstrap import build
    from ops.embedded import start_control_heartbeat

    settings = Settings.from_env()
    configure_logging(settings.serve_log_level, settings.log_format)
    cloud = build(settings)
    start_control_heartbeat(cloud)  # this process schedules: it beats for the control services
    app = create_app(cloud)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            cloud.close()

    app.router.lifespan_context = lifespan
    return warm_at_start(app)


def run_workers(settings: Settings, workers: int, log_level: str) -> None:
    """Serve until stopped (SIGINT/SIGTERM stop the supervisor, which stops the workers)."""
    # The workers are new interpreters: they read the same settings from the environment.
    os.environ["SKYLEDGER_BIND"] = settings.bind
    os.environ[LOG_LEVEL_VARIABLE] = log_level
    config = NoDelayConfig(
        "ops.commands.serve_workers:worker_app",
        factory=True,
        workers=workers,
        host=settings.bind_host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        **uvicorn_logging(settings),
    )
    # What uvicorn.run does for workers > 1, with the listening socket fixed as below.
    Multiprocess(config, sockets=[config.bind_socket()]).run()


class NoDelayConfig(uvicorn.Config):
    """uvicorn 0.54 binds the shared listening socket with `proto` 0; accepted sockets inherit it,
    and asyncio turns Nagle's algorithm off (TCP_NODELAY) only for `IPPROTO_TCP`, so every
    keep-alive request past the first waited ~40 ms for a delayed ACK (uvicorn issue #3149; a
    single process is not affected: asyncio binds that socket itself)."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp
