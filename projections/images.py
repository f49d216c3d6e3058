"""Read model of images (Image v2 `/images`)."""

from __future__ import annotations

from typing import Any

from domain.catalog.image import Image
from projections.base import Projection, as_json, handles, hexid, stamp
from projections.store import ReadCursor

SCALAR_COLUMNS = ("name", "visibility", "disk_format", "container_format", "min_disk", "min_ram",
                  "protected", "status")
JSON_COLUMNS = ("tags", "properties")


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
    def registered(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("INSERT INTO images (id, name, owner, visibility, status, disk_format,"
                    " container_format, min_disk, min_ram, protected, tags, properties, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.name, e.owner, e.visibility, e.disk_format, e.container_format,
                     e.min_disk, e.min_ram, e.protected, as_json(e.tags), as_json(e.properties),
                     stamp(e), stamp(e)))

    @handles(Image.Updated)
    def updated(self, cur: ReadCursor, e: Any) -> None:
        cols = [c for c in e.changes if c in SCALAR_COLUMNS or c in JSON_COLUMNS]
        values = [as_json(e.changes[c]) if c in JSON_COLUMNS else e.changes[c] for c in cols]
        assignments = "".join(f"{c} = ?, " for c in cols)
        cur.execute(f"UPDATE images SET {assignments}updated_at = ? WHERE id = ?",
                    [*values, stamp(e), hexid(e)])

    @handles(Image.Uploaded)
    def uploaded(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("UPDATE images SET status = 'active', size = ?, checksum = ?,"
                    " os_hash_algo = 'sha512', os_hash_value = ?, content_hash = ?, updated_at = ?"
                    " WHERE id = ?", (e.size, e.checksum, e.sha512, e.content_hash, stamp(e),
                                      hexid(e)))

    @handles(Image.Deleted)
    def deleted(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM images WHERE id = ?", (hexid(e),))
