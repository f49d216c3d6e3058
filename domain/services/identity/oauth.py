"""Commands of Keystone's OS-OAUTH1 consumers."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.identity.oauth_consumer import OAuthConsumer
from domain.services.identity.core import merged_extra, parse_id


class OAuthConsumerService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def create(self, ctx: RequestContext, description: str | None,
               extra: dict[str, Any] | None = None) -> tuple[OAuthConsumer, str]:
        """The consumer and its secret (given to the caller once, never stored)."""
        secret = secrets.token_urlsafe(32)
        consumer = OAuthConsumer(description, hashlib.sha256(secret.encode()).hexdigest(), extra)
        self.app.save(consumer)
        return consumer, secret

    @command
    def update(self, ctx: RequestContext, consumer_id: str,
               changes: dict[str, Any]) -> OAuthConsumer:
        consumer = self.consumer(consumer_id)
        changes = merged_extra(consumer.extra, changes)
        if changes:
            consumer.update(changes)
        self.app.save(*changed(consumer))
        return consumer

    @command
    def delete(self, ctx: RequestContext, consumer_id: str) -> None:
        consumer = self.consumer(consumer_id)
        consumer.delete()
        self.app.save(consumer)

    def consumer(self, consumer_id: str) -> OAuthConsumer:
        return self.app.get(parse_id(consumer_id, "consumer"), OAuthConsumer, "consumer")
