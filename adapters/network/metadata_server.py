"""The metadata service's HTTP server: 169.254.169.254:80 inside the network agent's namespace.

The address is a /32 on that namespace's `lo`: a guest's request to it goes to its default
gateway, which is a project bridge's address in this same namespace, and the kernel delivers it
locally; the answer goes back over the guest's bridge from the address it was sent to. (Neutron
puts the address on a proxy in the router or DHCP namespace instead; here there is one namespace
that holds every served bridge, so no proxy and no NAT rule are needed.)

The server is a thread of the agent's process (http.server, one thread per request), not a
daemon of its own; its listening socket is made inside the namespace by a short-lived thread
that enters it (setns moves only the calling thread, and a socket stays in the namespace it was
made in), so the agent's own threads never change namespace. What it answers is the caller's
(domain/process/network/metadata.py): `respond(source address, path)`.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from pyroute2.netlink.exceptions import NetlinkError

from adapters.network.namespaces import open_iproute
from domain.compute.metadata_paths import MetadataAnswer
from domain.network.backends import METADATA_ADDRESS, NetworkError
from domain.process.effects import record

log = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000
Respond = Callable[[str, str], MetadataAnswer]


def ensure_metadata_address(netns: str | None, address: str = METADATA_ADDRESS) -> None:
    """`address`/32 on the namespace's `lo`, which is brought up (a new namespace's is down,
    and no local address is reachable through a loopback that is down)."""
    with open_iproute(netns) as ipr:
        index = ipr.link_lookup(ifname="lo")[0]
        ipr.link("set", index=index, state="up")
        try:
            ipr.addr("add", index=index, address=address, prefixlen=32)
        except NetlinkError as error:
            if error.code != errno.EEXIST:
                raise NetworkError(f"metadata address {address} on lo: {error}") from error
            return
        record("pyroute2", "addr add", "lo", address=f"{address}/32", netns=netns)


def listening_socket(netns: str | None, address: str, port: int) -> socket.socket:
    """A TCP socket listening on `address`:`port` inside `netns` (None: this process's own)."""
    made: list[socket.socket] = []
    failed: list[BaseException] = []

    def make() -> None:
        try:
            if netns is not None:
                _enter(netns)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, port))
            sock.listen(64)
            made.append(sock)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            failed.append(error)

    maker = threading.Thread(target=make, name="metadata-socket")
    maker.start()
    maker.join()
    if failed:
        raise NetworkError(f"metadata server on {address}:{port} in {netns or '(own)'}: "
                           f"{failed[0]}") from failed[0]
    return made[0]


def _enter(netns: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {netns}")
    finally:
        os.close(fd)


class MetadataServer:
    """Serves `respond` on `address`:`port` in `netns` from `start` until `stop`."""

    def __init__(self, respond: Respond, netns: str | None = None,
                 address: str = METADATA_ADDRESS, port: int = 80) -> None:
        self.respond, self.netns, self.address, self.port = respond, netns, address, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> MetadataServer:
        if self.address == METADATA_ADDRESS:
            ensure_metadata_address(self.netns)
        server = ThreadingHTTPServer((self.address, self.port), _handler(self.respond),
                                     bind_and_activate=False)
        server.socket.close()
        server.socket = listening_socket(self.netns, self.address, self.port)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="metadata-server",
                                        daemon=True)
        self._thread.start()
        log.info("metadata service on %s:%d in %s", self.address, self.port,
                 self.netns or "this process's namespace")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _handler(respond: Respond) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "skyledger-metadata"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            try:
                answer = respond(self.client_address[0], urlsplit(self.path).path)
            except Exception:  # noqa: BLE001 - one bad request must not end the service
                log.exception("metadata request %s from %s", self.path, self.client_address[0])
                answer = MetadataAnswer(500, "text/plain", b"500 Internal Server Error\n")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            log.debug("metadata %s: " + format, self.client_address[0], *args)

    return Handler
