"""Quota commands: the ledger is opened lazily, the first time a project claims or is configured."""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.quota.ledger import QuotaLedger, ledger_id
from domain.quota.quota_class import DEFAULT_CLASS, QuotaClass, class_defaults, quota_class_id


def open_ledger(app: SkyLedger, project_id: str) -> QuotaLedger:
    """The project's ledger, or a new one (two racing openers conflict on save and retry)."""
    ledger = app.find(ledger_id(project_id))
    return ledger if ledger is not None else QuotaLedger(project_id)


def default_limits(app: SkyLedger) -> dict[str, int]:
    """The default quota class's limits, every project's defaults for Nova's resources."""
    found = app.find(quota_class_id(DEFAULT_CLASS))
    return class_defaults(found if isinstance(found, QuotaClass) else None)


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
    def set_user_limits(self, ctx: RequestContext, project_id: str, user_id: str,
                        limits: dict[str, int], force: bool = False) -> QuotaLedger:
        """A user's own limits within the project (Nova's per-user quotas)."""
        ledger = open_ledger(self.app, project_id)
        ledger.set_user_limits(user_id, limits, force=force, defaults=default_limits(self.app))
        self.app.save(ledger)
        return ledger

    @command
    def reset_user(self, ctx: RequestContext, project_id: str, user_id: str) -> None:
        """The user back to the project's limits; one never given any is a no-op."""
        ledger = self.app.find(ledger_id(project_id))
        if ledger is not None:
            ledger.reset_user_limits(user_id)
            if changed(ledger):
                self.app.save(ledger)

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

    def defaults(self) -> dict[str, int]:
        return default_limits(self.app)

    @command
    def set_class_limits(self, ctx: RequestContext, name: str,
                         limits: dict[str, int]) -> QuotaClass:
        found = self.app.find(quota_class_id(name))
        quota_class = found if isinstance(found, QuotaClass) else QuotaClass(name)
        quota_class.set_limits(limits)
        if changed(quota_class):
            self.app.save(quota_class)
        return quota_class
