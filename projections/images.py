"""Read model of images (Image v2 `/images`) and of their members (`/images/{id}/members`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.catalog.image import Image
from domain.catalog.image_stores import StoredImage
from domain.errors import InvalidInput
from projections.base import Projection, as_json, from_json, handles, hexid, stamp
from projections.store import ReadCursor, ReadStore, Row

SCALAR_COLUMNS = ("name", "visibility", "disk_format", "container_format", "min_disk", "min_ram",
                  "protected", "status", "os_hidden", "owner")
JSON_COLUMNS = ("tags", "properties")


def moment(event: Any) -> str:
    """Event time to the microsecond, so "newest first" is exact; the API prints whole seconds."""
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


class ImageProjection(Projection):
    name = "images"
    tables = ("image_members", "image_stores", "images")
    # A read store made before os_hidden existed gets it with `skyledger projections rebuild
    # images` (the tables are built anew from the events).
    ddl = (
        "CREATE TABLE IF NOT EXISTS images (id TEXT PRIMARY KEY, name TEXT, owner TEXT NOT NULL,"
        " visibility TEXT NOT NULL, status TEXT NOT NULL, disk_format TEXT, container_format TEXT,"
        " size BIGINT, checksum TEXT, os_hash_algo TEXT, os_hash_value TEXT, content_hash TEXT,"
        " min_disk INTEGER NOT NULL, min_ram INTEGER NOT NULL, protected BOOLEAN NOT NULL,"
        " os_hidden BOOLEAN NOT NULL DEFAULT FALSE,"
        " tags TEXT NOT NULL, properties TEXT NOT NULL, created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS image_members (image_id TEXT NOT NULL, member_id TEXT NOT NULL,"
        " status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " PRIMARY KEY (image_id, member_id))",
        # The stores holding an image's data, once an event named them (Image.StoresChanged);
        # none: Glance's `file` store, the only one before. A table of its own, so that read
        # stores made before multi-store gain it without a rebuild.
        "CREATE TABLE IF NOT EXISTS image_stores (image_id TEXT PRIMARY KEY, stores TEXT NOT NULL)",
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

    @handles(StoredImage.StoresChanged)
    def stores_changed(self, cur: ReadCursor, e: StoredImage.StoresChanged) -> None:
        cur.execute("INSERT INTO image_stores (image_id, stores) VALUES (?, ?) ON CONFLICT"
                    " (image_id) DO UPDATE SET stores = excluded.stores",
                    (hexid(e), as_json(e.stores)))
        cur.execute("UPDATE images SET updated_at = ? WHERE id = ?", (moment(e), hexid(e)))

    @handles(Image.Staged)
    def staged(self, cur: ReadCursor, e: Image.Staged) -> None:
        self._status(cur, e, "uploading")

    @handles(Image.Killed)
    def killed(self, cur: ReadCursor, e: Image.Killed) -> None:
        self._status(cur, e, "killed")

    @handles(Image.DownloadStarted)
    def download_started(self, cur: ReadCursor, e: Image.DownloadStarted) -> None:
        self._import_status(cur, e, "importing", e.properties)

    @handles(StoredImage.CopyStarted, StoredImage.CopyRecorded)
    def copy_progressed(self, cur: ReadCursor, e: Any) -> None:
        self._import_status(cur, e, "active", e.properties)

    @handles(Image.DownloadFailed)
    def download_failed(self, cur: ReadCursor, e: Image.DownloadFailed) -> None:
        self._import_status(cur, e, "queued", e.properties)

    def _import_status(self, cur: ReadCursor, e: Any, status: str,
                       properties: dict[str, str]) -> None:
        cur.execute("UPDATE images SET status = ?, properties = ?, updated_at = ? WHERE id = ?",
                    (status, as_json(properties), moment(e), hexid(e)))

    @handles(Image.Deactivated)
    def deactivated(self, cur: ReadCursor, e: Image.Deactivated) -> None:
        self._status(cur, e, "deactivated")

    @handles(Image.Reactivated)
    def reactivated(self, cur: ReadCursor, e: Image.Reactivated) -> None:
        self._status(cur, e, "active")

    def _status(self, cur: ReadCursor, e: Any, status: str) -> None:
        cur.execute("UPDATE images SET status = ?, updated_at = ? WHERE id = ?",
                    (status, moment(e), hexid(e)))

    @handles(Image.MemberAdded)
    def member_added(self, cur: ReadCursor, e: Image.MemberAdded) -> None:
        cur.execute("INSERT INTO image_members (image_id, member_id, status, created_at,"
                    " updated_at) VALUES (?, ?, 'pending', ?, ?)",
                    (hexid(e), e.member_id, stamp(e), stamp(e)))

    @handles(Image.MemberAnswered)
    def member_answered(self, cur: ReadCursor, e: Image.MemberAnswered) -> None:
        cur.execute("UPDATE image_members SET status = ?, updated_at = ?"
                    " WHERE image_id = ? AND member_id = ?",
                    (e.status, stamp(e), hexid(e), e.member_id))

    @handles(Image.MemberRemoved)
    def member_removed(self, cur: ReadCursor, e: Image.MemberRemoved) -> None:
        cur.execute("DELETE FROM image_members WHERE image_id = ? AND member_id = ?",
                    (hexid(e), e.member_id))

    @handles(Image.Deleted)
    def deleted(self, cur: ReadCursor, e: Image.Deleted) -> None:
        cur.execute("DELETE FROM image_members WHERE image_id = ?", (hexid(e),))
        cur.execute("DELETE FROM image_stores WHERE image_id = ?", (hexid(e),))
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
    member_status: str = "accepted"  # of images shared with the caller; "all": any answer
    os_hidden: bool = False  # hidden images are listed only when asked for


SELECT = ("SELECT images.*, image_stores.stores AS stores FROM images"
          " LEFT JOIN image_stores ON image_stores.image_id = images.id")


class ImageViews:
    """Queries over the image read model; rows come back as plain dicts, ids as hex."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, image_id: str) -> Row | None:
        row = self.store.query_one(f"{SELECT} WHERE id = ?", (image_id,))
        return _decoded(row) if row else None

    def members(self, image_id: str) -> list[Row]:
        return self.store.query("SELECT * FROM image_members WHERE image_id = ?"
                                " ORDER BY created_at, member_id", (image_id,))

    def member(self, image_id: str, member_id: str) -> Row | None:
        return self.store.query_one("SELECT * FROM image_members WHERE image_id = ?"
                                    " AND member_id = ?", (image_id, member_id))

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
        for column, flag in (("protected", q.protected), ("os_hidden", q.os_hidden)):
            if flag is not None:
                where.append(f"{column} = ?")
                params.append(flag)
        rows = [_decoded(r) for r in self.store.query(
            f"{SELECT} WHERE {' AND '.join(where)}", params)]
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
    # Glance: by default a project sees public images, its own, and shared images whose offer it
    # accepted (member_status picks another answer); community images of others only when asked
    # for (visibility=community or all); admins see everything.
    if q.visibility in ("public", "community"):
        return ["visibility = ?"], [q.visibility]
    if q.is_admin:
        return (["visibility = ?"], [q.visibility]) if q.visibility not in (None, "all") else (
            ["1 = 1"], [])
    shared, shared_params = _shared_with(q)
    if q.visibility == "private":
        return ["visibility = 'private' AND owner = ?"], [q.project_id]
    if q.visibility == "shared":
        return [f"visibility = 'shared' AND (owner = ? OR {shared})"], [q.project_id,
                                                                         *shared_params]
    others = "('public', 'community')" if q.visibility == "all" else "('public')"
    return [f"(visibility IN {others} OR owner = ? OR (visibility = 'shared' AND {shared}))"], [
        q.project_id, *shared_params]


def _shared_with(q: ImageQuery) -> tuple[str, list[Any]]:
    """Images offered to the caller's project, with the answer the query asks for."""
    if q.member_status == "all":
        return "id IN (SELECT image_id FROM image_members WHERE member_id = ?)", [q.project_id]
    return ("id IN (SELECT image_id FROM image_members WHERE member_id = ? AND status = ?)",
            [q.project_id, q.member_status])


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
            "protected": bool(row["protected"]), "os_hidden": bool(row["os_hidden"]),
            "stores": from_json(row["stores"]) if row.get("stores") else None}
