"""Read model of images (Image v2 `/images`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.catalog.image import Image
from domain.errors import InvalidInput
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row

SCALAR_COLUMNS = ("name", "visibility", "disk_format", "container_format", "min_disk", "min_ram",
                  "protected", "status")
JSON_COLUMNS = ("tags", "properties")


def moment(event: Any) -> str:
    """Event time to the microsecond, so "newest first" is exact; the API prints whole seconds."""
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


class ImageProjection(Projection):
    name = "images"
    tables = ("images",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS images (id TEXT PRIMARY KEY, name TEXT, owner TEXT NOT NULL,"
        " visibility TEXT NOT NULL, status TEXT NOT NULL, disk_format TEXT, container_format TEXT,"
        " size BIGINT, checksum TEXT, os_hash_algo TEXT, os_hash_value TEXT, content_hash TEXT,"
        " min_disk INTEGER NOT NULL, min_ram INTEGER NOT NULL, protected BOOLEAN NOT NULL,"
        " tags TEXT NOT NULL, properties TEXT NOT NULL, created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
    )

    @handles(Image.Registered)
    def registered(self, cur: ReadCursor, e: Image.Registered) -> None:
        cur.execute("INSERT INTO images (id, name, owner, visibility, status, disk_format,"
                    " container_format, min_disk, min_ram, protected, tags, properties, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.name, e.owner, e.visibility, e.disk_format, e.container_format,
                     e.min_disk, e.min_ram, e.protected, as_json(e.tags), as_json(e.properties),
                     moment(e), moment(e)))

    @handles(Image.Updated)
    def updated(self, cur: ReadCursor, e: Image.Updated) -> None:
        cols = [c for c in e.changes if c in SCALAR_COLUMNS or c in JSON_COLUMNS]
        values = [as_json(e.changes[c]) if c in JSON_COLUMNS else e.changes[c] for c in cols]
        assignments = "".join(f"{c} = ?, " for c in cols)
        cur.execute(f"UPDATE images SET {assignments}updated_at = ? WHERE id = ?",
                    [*values, moment(e), hexid(e)])

    @handles(Image.Uploaded)
    def uploaded(self, cur: ReadCursor, e: Image.Uploaded) -> None:
        cur.execute("UPDATE images SET status = 'active', size = ?, checksum = ?,"
                    " os_hash_algo = 'sha512', os_hash_value = ?, content_hash = ?, updated_at = ?"
                    " WHERE id = ?", (e.size, e.checksum, e.sha512, e.content_hash, moment(e),
                                      hexid(e)))

    @handles(Image.Deleted)
    def deleted(self, cur: ReadCursor, e: Image.Deleted) -> None:
        cur.execute("DELETE FROM images WHERE id = ?", (hexid(e),))


# Glance's sortable attributes; the id breaks ties so that marker paging is stable.
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at",
             "updated_at", "visibility", "owner", "min_disk", "min_ram")
COLUMN_FILTERS = ("name", "status", "owner", "disk_format", "container_format")


@dataclass
class ImageQuery:
    """An image listing as Glance's query string describes it, already validated."""

    project_id: str | None
    is_admin: bool
    visibility: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # exact matches on COLUMN_FILTERS
    protected: bool | None = None
    size_min: int | None = None
    size_max: int | None = None
    tags: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    sort: list[tuple[str, str]] = field(default_factory=lambda: [("created_at", "desc")])
    marker: str | None = None
    limit: int | None = None


class ImageViews:
    """Queries over the image read model; rows come back as plain dicts, ids as hex."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, image_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM images WHERE id = ?", (image_id,))
        return _decoded(row) if row else None

    def list(self, q: ImageQuery) -> tuple[list[Row], bool]:
        """The page of rows after the marker, and whether more rows follow it."""
        where, params = _visibility(q)
        for column, value in q.columns.items():
            where.append(f"{column} = ?")
            params.append(value)
        for op, bound in ((">=", q.size_min), ("<=", q.size_max)):
            if bound is not None:
                where.append(f"size {op} ?")
                params.append(bound)
        if q.protected is not None:
            where.append("protected = ?")
            params.append(q.protected)
        rows = [_decoded(r) for r in self.store.query(
            f"SELECT * FROM images WHERE {' AND '.join(where)}", params)]
        rows = [r for r in rows if _has_tags_and_properties(r, q)]
        rows = _sorted(rows, q.sort)
        if q.marker is not None:
            ids = [r["id"] for r in rows]
            if q.marker not in ids:
                raise InvalidInput(f"marker {q.marker} could not be found.")
            rows = rows[ids.index(q.marker) + 1:]
        if q.limit is None:
            return rows, False
        return rows[:q.limit], len(rows) > q.limit


def _visibility(q: ImageQuery) -> tuple[list[str], list[Any]]:
    # Glance: by default a project sees public images and its own; community images of others
    # only when asked for (visibility=community or all); admins see everything.
    if q.visibility in ("public", "community"):
        return ["visibility = ?"], [q.visibility]
    if q.visibility in ("private", "shared"):
        if q.is_admin:
            return ["visibility = ?"], [q.visibility]
        return ["visibility = ? AND owner = ?"], [q.visibility, q.project_id]
    if q.is_admin:
        return ["1 = 1"], []
    if q.visibility == "all":
        return ["(visibility IN ('public', 'community') OR owner = ?)"], [q.project_id]
    return ["(visibility = 'public' OR owner = ?)"], [q.project_id]


def _has_tags_and_properties(row: Row, q: ImageQuery) -> bool:
    return (all(t in row["tags"] for t in q.tags)
            and all(row["properties"].get(k) == v for k, v in q.properties.items()))


def _sorted(rows: list[Row], sort: list[tuple[str, str]]) -> list[Row]:
    # Stable sorts from the last key to the first; None counts as the smallest value (as MySQL,
    # Glance's usual database, orders NULLs), so the order is the same on SQLite and PostgreSQL.
    rows = sorted(rows, key=lambda r: str(r["id"]), reverse=True)
    for key, direction in reversed(sort):
        rows.sort(key=_by(key), reverse=direction == "desc")
    return rows


def _by(key: str) -> Callable[[Row], tuple[bool, Any]]:
    def order(row: Row) -> tuple[bool, Any]:
        return (row[key] is not None, row[key] if row[key] is not None else 0)

    return order


def _decoded(row: Row) -> Row:
    return {**row, "tags": from_json(row["tags"]) or [],
            "properties": from_json(row["properties"]) or {},
            "protected": bool(row["protected"])}
