"""Keeping the console output of this host's guests where the API can read it.

The API serves os-getConsoleOutput from the `console_logs` read model (projections/
console_logs.py), built from the Console events the sink records (domain/compute/console.py),
instead of reaching into the host that runs the guest. The worker reads a guest's console right
after it spawned or rebooted it, and every few seconds for all its guests; the sink is only
called when the text changed, so an idle host records nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from uuid import UUID

from domain.compute.backends import Hypervisor, HypervisorError
from domain.process.backends import ConsoleSink

log = logging.getLogger(__name__)


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
        except HypervisorError as error:  # e.g. destroyed meanwhile: its text goes with it
            log.debug("host %s: no console for %s: %s", self.host, instance_id, error)
            return
        digest = hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()
        if self._digests.get(instance_id) != digest:
            self.sink.write(instance_id, self.host, text)
            self._digests[instance_id] = digest

    def forget(self, instance_id: UUID) -> None:
        """The guest is gone from this host: so is its console text, unless another host (the
        other end of a resize) has recorded it since."""
        self._digests.pop(instance_id, None)
        self.sink.remove(instance_id, self.host)
