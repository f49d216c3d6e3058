"""Quota commands: the ledger is opened lazily, the first time a project claims or is configured."""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.quota.ledger import QuotaLedger, ledger_id


def open_ledger(app: SkyLedger, project_id: str) -> QuotaLedger:
    """The project's ledger, or a new one (two racing openers conflict on save and retry)."""
    ledger = app.find(ledger_id(project_id))
    return ledger if ledger is not None else QuotaLedger(project_id)


class QuotaService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def set_limits(self, ctx: RequestContext, project_id: str, limits: dict[str, int],
                   force: bool = False) -> QuotaLedger:
        ledger = open_ledger(self.app, project_id)
        ledger.set_limits(limits, force=force)
        # Saved even when only just opened: the ledger (and so the read model) then exists.
        self.app.save(ledger)
        return ledger

    @command
    def reset(self, ctx: RequestContext, project_id: str) -> None:
        """Revert the project's limits to the defaults; a project never configured is a no-op."""
        ledger = self.app.find(ledger_id(project_id))
        if ledger is not None:
            ledger.reset_limits()
            if changed(ledger):
                self.app.save(ledger)

    def ledger(self, project_id: str) -> QuotaLedger:
        return open_ledger(self.app, project_id)
