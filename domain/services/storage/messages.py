"""Deleting a user message (Cinder's `DELETE /messages/{id}`): its project's, or any for an
administrator; one already deleted is not found."""

from __future__ import annotations

from uuid import UUID

from domain.commands import command
from domain.context import RequestContext
from domain.errors import NotFound
from domain.services.storage.lookup import Lookup, live
from domain.storage.user_message import UserMessage


class MessageCommands(Lookup):
    @command
    def delete_message(self, ctx: RequestContext, message_id: UUID | str) -> None:
        message = live(self.app, message_id, UserMessage)
        if not isinstance(message, UserMessage) or (message.project_id != ctx.project_id
                                                    and not ctx.is_admin):
            raise NotFound(f"Message {message_id} could not be found.")
        message.delete()
        self.app.save(message)
