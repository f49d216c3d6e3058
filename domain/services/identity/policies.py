"""Commands of Keystone's `/policies` blobs."""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.identity.policy_blob import PolicyBlob
from domain.services.identity.core import merged_extra, parse_id


class PolicyBlobService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def create(self, ctx: RequestContext, blob: str, type: str,  # noqa: A002
               extra: dict[str, Any] | None = None) -> PolicyBlob:
        policy = PolicyBlob(blob, type, extra)
        self.app.save(policy)
        return policy

    @command
    def update(self, ctx: RequestContext, policy_id: str, changes: dict[str, Any]) -> PolicyBlob:
        policy = self.policy(policy_id)
        changes = merged_extra(policy.extra, changes)
        if changes:
            policy.update(changes)
        self.app.save(*changed(policy))
        return policy

    @command
    def delete(self, ctx: RequestContext, policy_id: str) -> None:
        policy = self.policy(policy_id)
        policy.delete()
        self.app.save(policy)

    def policy(self, policy_id: str) -> PolicyBlob:
        return self.app.get(parse_id(policy_id, "policy"), PolicyBlob, "policy")
