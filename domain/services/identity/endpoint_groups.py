"""Commands of Keystone's OS-EP-FILTER endpoint groups."""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.identity.endpoint_group import EndpointGroup
from domain.services.identity.core import parse_id


class EndpointGroupService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def create(self, ctx: RequestContext, name: str, description: str | None,
               filters: dict[str, Any]) -> EndpointGroup:
        group = EndpointGroup(name, description, filters)
        self.app.save(group)
        return group

    @command
    def update(self, ctx: RequestContext, group_id: str,
               changes: dict[str, Any]) -> EndpointGroup:
        group = self.group(group_id)
        if changes:
            group.update(changes)
        self.app.save(*changed(group))
        return group

    @command
    def delete(self, ctx: RequestContext, group_id: str) -> None:
        group = self.group(group_id)
        group.delete()
        self.app.save(group)

    def group(self, group_id: str) -> EndpointGroup:
        return self.app.get(parse_id(group_id, "endpoint group"), EndpointGroup,
                            "endpoint group")
