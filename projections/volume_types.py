"""Read model of volume types and their access lists (Block Storage `/types`).

Rows are keyed by the type's id (hex); `seq` is the position of its Created event (creation
order, stable on rebuild). The volumes a type counts are the aggregate's business (it refuses
its own deletion while in use); the read model keeps only what the API shows.
"""

from __future__ import annotations

from typing import Any

from domain.storage.volume_type import VolumeType
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


class VolumeTypeProjection(Projection):
    name = "volume_types"
    tables = ("volume_type_access", "volume_types")
    ddl = (
        "CREATE TABLE IF NOT EXISTS volume_types (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " name TEXT NOT NULL, description TEXT, is_public BOOLEAN NOT NULL,"
        " extra_specs TEXT NOT NULL, qos_specs_id TEXT)",
        "CREATE TABLE IF NOT EXISTS volume_type_access (id TEXT NOT NULL,"
        " project_id TEXT NOT NULL, PRIMARY KEY (id, project_id))",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, VolumeType.Created):
            self.created(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(VolumeType.Created)
    def created(self, cur: ReadCursor, e: VolumeType.Created, position: int = 0) -> None:
        cur.execute("INSERT INTO volume_types (id, seq, name, description, is_public,"
                    " extra_specs, qos_specs_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, e.name, e.description, e.is_public,
                     as_json(e.extra_specs), None))

    @handles(VolumeType.Updated)
    def updated(self, cur: ReadCursor, e: VolumeType.Updated) -> None:
        for column in ("name", "description", "is_public"):
            if column in e.changes:
                cur.execute(f"UPDATE volume_types SET {column} = ? WHERE id = ?",
                            (e.changes[column], hexid(e)))

    @handles(VolumeType.ExtraSpecsSet, VolumeType.ExtraSpecUnset)
    def extra_specs(self, cur: ReadCursor,
                    e: VolumeType.ExtraSpecsSet | VolumeType.ExtraSpecUnset) -> None:
        row = cur.execute("SELECT extra_specs FROM volume_types WHERE id = ?",
                          (hexid(e),)).one()
        specs = (from_json(row["extra_specs"]) if row else None) or {}
        if isinstance(e, VolumeType.ExtraSpecsSet):
            specs.update(e.specs)
        else:
            specs.pop(e.key, None)
        cur.execute("UPDATE volume_types SET extra_specs = ? WHERE id = ?",
                    (as_json(specs), hexid(e)))

    @handles(VolumeType.QosAssociated)
    def qos(self, cur: ReadCursor, e: VolumeType.QosAssociated) -> None:
        cur.execute("UPDATE volume_types SET qos_specs_id = ? WHERE id = ?",
                    (e.qos_specs_id, hexid(e)))

    @handles(VolumeType.AccessGranted)
    def granted(self, cur: ReadCursor, e: VolumeType.AccessGranted) -> None:
        cur.execute("INSERT INTO volume_type_access (id, project_id) VALUES (?, ?)",
                    (hexid(e), e.project_id))

    @handles(VolumeType.AccessRevoked)
    def revoked(self, cur: ReadCursor, e: VolumeType.AccessRevoked) -> None:
        cur.execute("DELETE FROM volume_type_access WHERE id = ? AND project_id = ?",
                    (hexid(e), e.project_id))

    @handles(VolumeType.Deleted)
    def deleted(self, cur: ReadCursor, e: VolumeType.Deleted) -> None:
        cur.execute("DELETE FROM volume_type_access WHERE id = ?", (hexid(e),))
        cur.execute("DELETE FROM volume_types WHERE id = ?", (hexid(e),))


def _decoded(row: Row) -> Row:
    return {**row, "extra_specs": from_json(row["extra_specs"]) or {},
            "is_public": bool(row["is_public"])}


class VolumeTypeViews:
    """Queries over the volume type read model; rows come back as plain dicts (hex ids)."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, type_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM volume_types WHERE id = ?", (type_id,))
        return _decoded(row) if row else None

    def by_name(self, name: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM volume_types WHERE name = ?", (name,))
        return _decoded(row) if row else None

    def access(self, type_id: str) -> list[str]:
        rows = self.store.query("SELECT project_id FROM volume_type_access WHERE id = ?"
                                " ORDER BY project_id", (type_id,))
        return [r["project_id"] for r in rows]

    def visible_to(self, row: Row, project_id: str | None, is_admin: bool) -> bool:
        return is_admin or row["is_public"] or project_id in self.access(row["id"])

    def list(self, project_id: str | None, is_admin: bool,
             is_public: bool | None = True) -> list[Row]:
        """Newest first, as Cinder lists. Non-admins see public types and the private ones
        shared with their project; admins what `is_public` asks (None: all)."""
        where, params = ["1 = 1"], []
        if not is_admin:
            where.append("(is_public = ? OR id IN (SELECT id FROM volume_type_access"
                         " WHERE project_id = ?))")
            params += [True, project_id]
        elif is_public is not None:
            where.append("is_public = ?")
            params.append(is_public)
        rows = self.store.query(f"SELECT * FROM volume_types WHERE {' AND '.join(where)}"
                                " ORDER BY seq DESC", params)
        return [_decoded(r) for r in rows]

    def names(self) -> dict[str, str]:
        """Every type's name by id (hex): what a volume body shows as its `volume_type`."""
        return {r["id"]: r["name"]
                for r in self.store.query("SELECT id, name FROM volume_types", ())}
