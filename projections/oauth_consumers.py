"""Read model of Keystone's OS-OAUTH1 consumers (without their secrets' hashes)."""

from __future__ import annotations

from domain.identity.oauth_consumer import OAuthConsumer
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.identity import SafeQueries, _one, update_columns
from projections.store import ReadCursor, ReadStore, Row


class OAuthConsumerProjection(Projection):
    name = "oauth_consumers"
    tables = ("oauth_consumers",)
    ddl = ("CREATE TABLE IF NOT EXISTS oauth_consumers (id TEXT PRIMARY KEY, description TEXT,"
           " extra TEXT)",)

    @handles(OAuthConsumer.Created)
    def created(self, cur: ReadCursor, e: OAuthConsumer.Created) -> None:
        cur.execute("INSERT INTO oauth_consumers (id, description, extra) VALUES (?, ?, ?)",
                    (hexid(e), e.description, as_json(e.extra or {})))

    @handles(OAuthConsumer.Updated)
    def updated(self, cur: ReadCursor, e: OAuthConsumer.Updated) -> None:
        update_columns(cur, "oauth_consumers", ("description", "extra"), hexid(e), e.changes)

    @handles(OAuthConsumer.Deleted)
    def deleted(self, cur: ReadCursor, e: OAuthConsumer.Deleted) -> None:
        cur.execute("DELETE FROM oauth_consumers WHERE id = ?", (hexid(e),))


class OAuthConsumerViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def consumer(self, consumer_id: str) -> Row | None:
        # `_one` decodes the JSON columns (extra) already.
        return _one(self.store, "SELECT * FROM oauth_consumers WHERE id = ?", (consumer_id,))

    def consumers(self) -> list[Row]:
        rows = self.store.query("SELECT * FROM oauth_consumers ORDER BY id")
        return [{**r, "extra": from_json(r["extra"])} for r in rows]
