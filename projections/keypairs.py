"""Read model of keypairs, per user (Compute `/os-keypairs`)."""

from __future__ import annotations

from typing import Any

from domain.catalog.keypair import Keypair
from projections.base import Projection, handles, hexid, stamp
from projections.store import ReadCursor


class KeypairProjection(Projection):
    name = "keypairs"
    tables = ("keypairs",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS keypairs (id TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
        " name TEXT NOT NULL, project_id TEXT NOT NULL, public_key TEXT NOT NULL,"
        " fingerprint TEXT NOT NULL, type TEXT NOT NULL, created_at TEXT NOT NULL)",
    )

    @handles(Keypair.Imported, Keypair.Reimported)
    def imported(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("INSERT INTO keypairs (id, user_id, name, project_id, public_key, fingerprint,"
                    " type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), e.user_id, e.name, e.project_id, e.public_key, e.fingerprint,
                     e.type, stamp(e)))

    @handles(Keypair.Deleted)
    def deleted(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("DELETE FROM keypairs WHERE id = ?", (hexid(e),))
