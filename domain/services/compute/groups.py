"""Server group commands (`/os-server-groups`), counted on the project's quota ledger."""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import command
from domain.compute.server_group import POLICIES, ServerGroup
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.services.compute.boot import parse_uuid
from domain.services.quotas import default_limits, open_ledger


class ServerGroupService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def create(self, ctx: RequestContext, name: str, policy: str,
               rules: dict[str, Any] | None = None) -> ServerGroup:
        if policy not in POLICIES:
            raise InvalidInput(f"Invalid policy {policy!r}; one of {', '.join(POLICIES)}.")
        rules = rules or {}
        if rules and (policy != "anti-affinity" or set(rules) != {"max_server_per_host"}):
            raise InvalidInput("Only anti-affinity accepts a rule: max_server_per_host.")
        ledger = open_ledger(self.app, str(ctx.project_id))
        ledger.claim({"server_groups": 1}, default_limits(self.app), str(ctx.user_id))
        group = ServerGroup(name, policy, rules, str(ctx.project_id), str(ctx.user_id))
        self.app.save(group, ledger)
        return group

    def get(self, ctx: RequestContext, group_id: str) -> ServerGroup:
        group = self.app.find(parse_uuid(group_id, "server group"))
        if not isinstance(group, ServerGroup) or group.deleted or \
                (group.project_id != ctx.project_id and not ctx.is_admin):
            raise NotFound(f"Server group {group_id} could not be found.")
        return group

    @command
    def delete(self, ctx: RequestContext, group_id: str) -> None:
        group = self.get(ctx, group_id)
        ledger = open_ledger(self.app, group.project_id)
        ledger.release({"server_groups": 1}, group.user_id)
        group.delete()
        self.app.save(group, ledger)
