"""Read model of Cinder's user messages (Block Storage `/messages`): one row per message until
it is deleted, with the time it was recorded and the time Cinder guarantees to keep it until."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.storage.user_message import MESSAGE_TTL_S, UserMessage
from projections.base import Projection, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


def _stamp(e: Any, later_s: int = 0) -> str:
    return str((e.timestamp + timedelta(seconds=later_s)).strftime("%Y-%m-%dT%H:%M:%S.%f"))


class UserMessageProjection(Projection):
    name = "user_messages"
    tables = ("user_messages",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS user_messages (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, request_id TEXT NOT NULL, resource_type TEXT NOT NULL,"
        " resource_uuid TEXT NOT NULL, event_id TEXT NOT NULL, user_message TEXT NOT NULL,"
        " message_level TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS user_messages_by_project ON user_messages (project_id, seq)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, UserMessage.Recorded):
            self.recorded(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(UserMessage.Recorded)
    def recorded(self, cur: ReadCursor, e: UserMessage.Recorded, position: int = 0) -> None:
        cur.execute("INSERT INTO user_messages (id, seq, project_id, request_id, resource_type,"
                    " resource_uuid, event_id, user_message, message_level, created_at,"
                    " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.project_id, e.request_id, e.resource_type,
                     e.resource_uuid, e.event_id, e.user_message, e.message_level, _stamp(e),
                     _stamp(e, MESSAGE_TTL_S)))

    @handles(UserMessage.Deleted)
    def deleted(self, cur: ReadCursor, e: UserMessage.Deleted) -> None:
        cur.execute("DELETE FROM user_messages WHERE id = ?", (hexid(e),))


class UserMessageViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, message_id: str) -> Row | None:
        return self.store.query_one("SELECT * FROM user_messages WHERE id = ?", (message_id,))

    def list(self, project_id: str | None) -> list[Row]:
        """Oldest first, as Cinder lists; `project_id` None: every project's."""
        if project_id is None:
            return self.store.query("SELECT * FROM user_messages ORDER BY seq")
        return self.store.query("SELECT * FROM user_messages WHERE project_id = ? ORDER BY seq",
                                (project_id,))
