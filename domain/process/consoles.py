"""Keeping the console output of this host's guests where the API can read it.

The API serves os-getConsoleOutput from the `console_logs` read table (adapters/console_logs.py)
instead of reaching into the host that runs the guest. The worker refreshes a guest's row right
after it spawned or rebooted it, and every few seconds for all its guests; a row is only written
when the text changed, so an idle host writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from uuid import UUID

from domain.compute.ports import Hypervisor, HypervisorError
from domain.process.ports import ConsoleSink

log = logging.getLogger(__name__)

# Like Nova: only the tail of a long-running guest's log is kept.
MAX_CONSOLE_CHARS = 100 * 1024


class ConsoleRefresher:
    def __init__(self, hypervisor: Hypervisor, sink: ConsoleSink, host: str) -> None:
        self.hypervisor, self.sink, self.host = hypervisor, sink, host
        self._digests: dict[UUID, str] = {}

    def refresh(self, instance_ids: Iterable[UUID]) -> None:
        for instance_id in instance_ids:
            self.refresh_one(instance_id)

    def refresh_one(self, instance_id: UUID) -> None:
        try:
            text = self.hypervisor.console_output(instance_id)
        except HypervisorError as error:  # e.g. destroyed meanwhile: its row goes with it
            log.debug("host %s: no console for %s: %s", self.host, instance_id, error)
            return
        text = text[-MAX_CONSOLE_CHARS:]
        digest = hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()
        if self._digests.get(instance_id) != digest:
            self.sink.write(instance_id, self.host, text)
            self._digests[instance_id] = digest

    def forget(self, instance_id: UUID) -> None:
        """The guest is gone from this host: so is its console row, unless another host (the
        other end of a resize) has written it since."""
        self._digests.pop(instance_id, None)
        self.sink.remove(instance_id, self.host)
