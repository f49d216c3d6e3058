"""Read model of the tags of Neutron resources (`standard-attr-tag`): one row per tagged
resource (keyed by its `ResourceTags` aggregate, found by kind and resource id), with its tags
as a JSON list in the order they were set.

The rows outlive a deleted resource (its `ResourceTags` aggregate does too): every query
starts from a resource the caller sees, so an orphan row is never shown.
"""

from __future__ import annotations

from domain.network.tags import ResourceTags
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore


class ResourceTagProjection(Projection):
    name = "resource_tags"
    tables = ("resource_tags",)
    ddl = ("CREATE TABLE IF NOT EXISTS resource_tags (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
           " resource_id TEXT NOT NULL, tags TEXT NOT NULL)",
           "CREATE INDEX IF NOT EXISTS resource_tags_by_resource"
           " ON resource_tags (kind, resource_id)")

    @handles(ResourceTags.Created)
    def created(self, cur: ReadCursor, e: ResourceTags.Created) -> None:
        cur.execute("INSERT INTO resource_tags (id, kind, resource_id, tags)"
                    " VALUES (?, ?, ?, '[]')", (hexid(e), e.kind, e.resource_id))

    @handles(ResourceTags.TagsSet)
    def tags_set(self, cur: ReadCursor, e: ResourceTags.TagsSet) -> None:
        cur.execute("UPDATE resource_tags SET tags = ? WHERE id = ?",
                    (as_json(list(e.tags)), hexid(e)))


class ResourceTagViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def tags(self, kind: str, resource_id: str) -> list[str]:
        row = self.store.query_one("SELECT tags FROM resource_tags WHERE kind = ? AND"
                                   " resource_id = ?", (kind, resource_id))
        return list(from_json(row["tags"])) if row else []

    def tags_of(self, kind: str, resource_ids: list[str]) -> dict[str, list[str]]:
        """The tags of each of these resources that has any."""
        if not resource_ids:
            return {}
        marks = ", ".join("?" for _ in resource_ids)
        rows = self.store.query(f"SELECT resource_id, tags FROM resource_tags WHERE kind = ?"
                                f" AND resource_id IN ({marks})", [kind, *resource_ids])
        return {r["resource_id"]: list(from_json(r["tags"])) for r in rows}
