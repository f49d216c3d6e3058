"""A small HTTP server on a loopback address that serves fixed bytes by path: where Tempest's
web-download tests (and skyledger's own) fetch an image from, so that no import ever reaches
past this machine.

Glance's import filter lets through ports 80 and 443 by default, and devstack serves its images
on port 80, so the Tempest run binds port 80 of an address of its own in 127.0.0.0/8 (the first
free one from a random start: runs on one machine do not collide). Tests bind any free port of
127.0.0.1 and allow it in the filter.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackFiles(ThreadingHTTPServer):
    """Serves `files` (path -> bytes) and `redirects` (path -> location, answered 302); any
    other path is a 404."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], files: Mapping[str, bytes],
                 redirects: Mapping[str, str] | None = None) -> None:
        self.files, self.redirects = dict(files), dict(redirects or {})
        self.requests: list[str] = []
        super().__init__(address, _Handler)

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    def url(self, path: str) -> str:
        port = self.server_address[1]
        return f"http://{self.host}{'' if port == 80 else f':{port}'}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackFiles

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.requests.append(self.path)
        if self.path in self.server.redirects:
            self.send_response(302)
            self.send_header("Location", self.server.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return None


def bind_loopback(files: Mapping[str, bytes], port: int = 80,
                  redirects: Mapping[str, str] | None = None) -> LoopbackFiles:
    """The server on `port` of the first free 127.0.0.N (N in 2..254, from a random start)."""
    start = random.randrange(253)  # noqa: S311 - spreading runs out, not a secret
    last: OSError | None = None
    for step in range(253):
        host = f"127.0.0.{2 + (start + step) % 253}"
        try:
            return LoopbackFiles((host, port), files, redirects)
        except OSError as error:  # taken by another run
            last = error
    raise RuntimeError(f"no free port {port} on 127.0.0.2-254: {last}")


@contextmanager
def serving(server: LoopbackFiles) -> Iterator[LoopbackFiles]:
    """Serve in a thread until the block ends."""
    thread = threading.Thread(target=server.serve_forever, name="loopback-files", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
