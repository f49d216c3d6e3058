"""A container's console log: libvirt's LXC driver gives a container a pty console only (no file
console, no `<log>`), and what the container printed before anyone attached is kept in the pty
for the first reader. So each running container gets a reader thread that attaches to the
console through libvirt (a blocking stream on a connection of its own) and appends everything
to the instance's console log file until the container stops (the stream's end), which is what
the VMs' file serial gives them.

A worker that restarts attaches again on the next console read (`follow` is idempotent); what a
container printed while no reader was attached waits in the pty until one is. What a container
prints in the instant before its init exits may not reach the log: libvirt's LXC controller
stops relaying the pty when the init is gone (measured: now and then a last line is lost).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import libvirt

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024


class ConsoleReaders:
    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._readers: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def follow(self, name: str, log_path: Path) -> None:
        """Make sure a reader copies the running container `name`'s console into log_path."""
        with self._lock:
            reader = self._readers.get(name)
            if reader is not None and reader.is_alive():
                return
            log_path.parent.mkdir(parents=True, exist_ok=True)
            reader = threading.Thread(target=self._copy, args=(name, log_path), daemon=True,
                                      name=f"lxc-console-{name}")
            self._readers[name] = reader
            reader.start()

    def finish(self, name: str, timeout_s: float = 5.0) -> None:
        """Once the container stopped: wait (bounded) until its reader wrote the last of its
        console and left, so that the log is whole when the stop is reported, and so that a
        start right after gets a reader of its own rather than finding the old one alive."""
        with self._lock:
            reader = self._readers.pop(name, None)
        if reader is not None:
            reader.join(timeout_s)

    def _copy(self, name: str, log_path: Path) -> None:
        try:
            conn = libvirt.open(self._uri)
        except libvirt.libvirtError as error:
            log.warning("console of %s: cannot connect: %s", name, error)
            return
        try:
            stream = conn.newStream(0)
            conn.lookupByName(name).openConsole(None, stream, 0)
            with log_path.open("ab", buffering=0) as out:
                while chunk := stream.recv(_CHUNK):  # b"": the container stopped
                    if isinstance(chunk, bytes):
                        out.write(chunk)
        except libvirt.libvirtError as error:  # not running, or destroyed meanwhile
            log.debug("console of %s: %s", name, error)
        finally:
            conn.close()
