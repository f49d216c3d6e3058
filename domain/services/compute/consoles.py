"""Console output commands: what a compute host read of its guests' consoles, as events.

The compute worker's ConsoleSink (domain/process/backends.py). The API reads the result from the
`console_logs` read model (projections/console_logs.py), never from the host.
"""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.compute.console import Console, console_id
from domain.context import RequestContext


def host_context(host: str) -> RequestContext:
    """Who records a console: its host's worker, as WorkerConfig.user_id names it."""
    return RequestContext(user_id=f"compute:{host}")


class ConsoleService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def write(self, instance_id: UUID, host: str, text: str) -> None:
        self.record(host_context(host), instance_id, host, text)

    def remove(self, instance_id: UUID, host: str) -> None:
        self.clear(host_context(host), instance_id, host)

    @command
    def record(self, ctx: RequestContext, instance_id: UUID, host: str, text: str) -> None:
        console = self._find(instance_id)
        if console is None:
            console = Console.first(instance_id, host, text)
        else:
            console.record(host, text)
        self._save(console)

    @command
    def clear(self, ctx: RequestContext, instance_id: UUID, host: str) -> None:
        console = self._find(instance_id)
        if console is not None:
            console.clear(host)
            self._save(console)

    def _save(self, console: Console) -> None:
        # Most readings are what was recorded: save nothing then, not even an empty
        # transaction (on SQLite one takes the file's write lock).
        if changed(console):
            self.app.save(console)

    def _find(self, instance_id: UUID) -> Console | None:
        found = self.app.find(console_id(instance_id))
        return found if isinstance(found, Console) else None
