"""Read model of volume types' encryption specs (Block Storage `/types/{id}/encryption`): one row
per encrypted type, with when the specs were made and last changed."""

from __future__ import annotations

from typing import Any

from domain.storage.volume_type_encryption import TypeEncryption
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.servers import moment
from projections.store import ReadCursor, ReadStore, Row


class TypeEncryptionProjection(Projection):
    name = "volume_type_encryption"
    tables = ("volume_type_encryption",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_type_encryption (type_id TEXT PRIMARY KEY,"
        " specs TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT)",
    )

    @handles(TypeEncryption.EncryptionSet)
    def encryption_set(self, cur: ReadCursor, e: TypeEncryption.EncryptionSet) -> None:
        row = cur.execute("SELECT created_at FROM volume_type_encryption WHERE type_id = ?",
                          (hexid(e),)).one()
        if row is None:
            cur.execute("INSERT INTO volume_type_encryption (type_id, specs, created_at,"
                        " updated_at) VALUES (?, ?, ?, NULL)",
                        (hexid(e), as_json(e.encryption), moment(e)))
        else:
            cur.execute("UPDATE volume_type_encryption SET specs = ?, updated_at = ?"
                        " WHERE type_id = ?", (as_json(e.encryption), moment(e), hexid(e)))

    @handles(TypeEncryption.EncryptionRemoved)
    def encryption_removed(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM volume_type_encryption WHERE type_id = ?", (hexid(e),))


class TypeEncryptionViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, type_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM volume_type_encryption WHERE type_id = ?",
                                   (type_id,))
        return {**row, "specs": from_json(row["specs"])} if row else None
