"""A libvirt connection that survives its daemon's restart.

When libvirtd restarts (an upgrade, a crash, an operator), the guests' QEMU processes keep
running but every open client connection is dead: each call on it fails with a system, RPC or
internal error ("Cannot write data: Broken pipe", "client socket is closed"). Nova's libvirt
driver reopens the connection; so do we, once per failed call, then call again (every port
method is idempotent per instance uuid, so a call cut halfway is safe to repeat). While the
daemon is still down the reopen fails, the call fails with it, and the worker's next pass tries
again.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import libvirt

from adapters.hypervisor.event_loop import ensure_event_loop
from adapters.libvirt_errors import translated_to

log = logging.getLogger(__name__)

# What libvirt raises for a call on a connection whose daemon went away.
CONNECTION_LOST = frozenset({
    libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_RPC,
    libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_ERR_INVALID_CONN,
})

F = TypeVar("F", bound=Callable[..., Any])


class Reconnecting:
    """Mixin of an adapter holding `self._conn`: `_open` it, and decorate methods with
    `reconnecting(...)` instead of `translated_to(...)`."""

    _conn: libvirt.virConnect
    reconnects = 0  # how often the connection was reopened, for status and tests

    def _open(self, uri: str) -> libvirt.virConnect:
        self._uri = uri
        self._reconnect_lock = threading.Lock()
        ensure_event_loop()  # before the open: only then does the connection get events
        return libvirt.open(uri)

    def _reconnected_after(self, error: libvirt.libvirtError) -> bool:
        """True if `error` came from a dead connection, now replaced by a new one (raises
        libvirtError if the daemon cannot be reached yet)."""
        conn = getattr(self, "_conn", None)
        if conn is None or error.get_error_code() not in CONNECTION_LOST:
            return False
        with self._reconnect_lock:
            if self._conn is not conn:
                return True  # another thread has reopened it already
            try:
                alive = conn.isAlive() == 1
            except libvirt.libvirtError:
                alive = False
            if alive:
                return False  # a real error of the call, not of the connection
            with contextlib.suppress(libvirt.libvirtError):
                conn.close()
            self._conn = libvirt.open(self._uri)
            self.reconnects += 1
        log.warning("libvirt connection to %s was lost (%s); reopened", self._uri, error)
        return True


def reconnecting(error_type: Callable[[str], Exception]) -> Callable[[F], F]:
    """Like translated_to(error_type), but a call that failed on a lost connection is made once
    more on a reopened one."""
    translate = translated_to(error_type)

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def once_more(self: Reconnecting, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except libvirt.libvirtError as error:
                if not self._reconnected_after(error):
                    raise
            return method(self, *args, **kwargs)

        return translate(once_more)  # type: ignore[return-value]

    return decorate
