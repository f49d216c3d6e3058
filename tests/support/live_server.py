"""An app served by uvicorn on a loopback port, for clients that need a real HTTP endpoint
(botocore, the `openstack` CLI), its routes built at start as `skyledger serve` builds them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from api.route_warmup import warm_at_start


def free_socket() -> socket.socket:
    """A socket bound to a free loopback port (for a URL known before the app is built)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def served(app: FastAPI, sock: socket.socket | None = None) -> Iterator[str]:
    """`app` on `sock` (a free loopback port if none), for the block; its base URL."""
    sock = sock or free_socket()
    server = uvicorn.Server(uvicorn.Config(warm_at_start(app), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:  # until the lifespan has run and the socket listens
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped before it served the app")
        time.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
