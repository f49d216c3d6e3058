"""Read model of Glance metadata definitions: one row per namespace (kept, marked deleted, when
the namespace is deleted, since its name may be taken again), its definitions (objects,
properties, tags, resource type associations) as JSON by kind and name."""

from __future__ import annotations

from typing import Any

from domain.catalog.metadef import KINDS, MetadefNamespace
from projections.base import Projection, as_json, from_json, handles, hexid, stamp
from projections.store import ReadCursor, ReadStore, Row


def empty() -> dict[str, dict[str, Any]]:
    return {k: {} for k in KINDS}


class MetadefProjection(Projection):
    name = "metadefs"
    tables = ("metadef_namespaces",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS metadef_namespaces (id TEXT PRIMARY KEY,"
        " namespace TEXT NOT NULL, display_name TEXT, description TEXT,"
        " visibility TEXT NOT NULL, protected BOOLEAN NOT NULL, owner TEXT,"
        " definitions TEXT NOT NULL, deleted BOOLEAN NOT NULL, created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
    )

    @handles(MetadefNamespace.Created)
    def created(self, cur: ReadCursor, e: MetadefNamespace.Created) -> None:
        cur.execute(
            "INSERT INTO metadef_namespaces (id, namespace, visibility, protected, definitions,"
            " deleted, created_at, updated_at) VALUES (?, ?, 'private', ?, '{}', ?, ?, ?)",
            (hexid(e), e.namespace, False, False, stamp(e), stamp(e)))
        self._reset(cur, e, e.owner, e.fields)

    @handles(MetadefNamespace.Recreated)
    def recreated(self, cur: ReadCursor, e: MetadefNamespace.Recreated) -> None:
        self._reset(cur, e, e.owner, e.fields)

    def _reset(self, cur: ReadCursor, e: Any, owner: str | None, fields: dict[str, Any]) -> None:
        cur.execute(
            "UPDATE metadef_namespaces SET display_name = ?, description = ?, visibility = ?,"
            " protected = ?, owner = ?, definitions = ?, deleted = ?, created_at = ?,"
            " updated_at = ? WHERE id = ?",
            (fields.get("display_name"), fields.get("description"),
             fields.get("visibility", "private"), bool(fields.get("protected", False)), owner,
             as_json(empty()), False, stamp(e), stamp(e), hexid(e)))

    @handles(MetadefNamespace.Updated)
    def updated(self, cur: ReadCursor, e: MetadefNamespace.Updated) -> None:
        cols = list(e.changes)
        assignments = "".join(f"{c} = ?, " for c in cols)
        cur.execute(f"UPDATE metadef_namespaces SET {assignments}updated_at = ? WHERE id = ?",
                    [*(e.changes[c] for c in cols), stamp(e), hexid(e)])

    @handles(MetadefNamespace.Deleted)
    def deleted(self, cur: ReadCursor, e: MetadefNamespace.Deleted) -> None:
        cur.execute("UPDATE metadef_namespaces SET deleted = ?, definitions = ?, updated_at = ?"
                    " WHERE id = ?", (True, as_json(empty()), stamp(e), hexid(e)))

    @handles(MetadefNamespace.DefinitionSaved)
    def saved(self, cur: ReadCursor, e: MetadefNamespace.DefinitionSaved) -> None:
        definitions = self._definitions(cur, e)
        entries = definitions[e.kind]
        old = entries.pop(e.replacing, None) if e.replacing is not None else None
        created = old["created_at"] if old else stamp(e)
        entries[e.name] = {**e.body, "created_at": created, "updated_at": stamp(e)}
        self._store(cur, e, definitions)

    @handles(MetadefNamespace.DefinitionRemoved)
    def removed(self, cur: ReadCursor, e: MetadefNamespace.DefinitionRemoved) -> None:
        definitions = self._definitions(cur, e)
        if e.name is None:
            definitions[e.kind] = {}
        else:
            definitions[e.kind].pop(e.name, None)
        self._store(cur, e, definitions)

    def _definitions(self, cur: ReadCursor, e: Any) -> dict[str, dict[str, Any]]:
        row = cur.execute("SELECT definitions FROM metadef_namespaces WHERE id = ?",
                          (hexid(e),)).one()
        return {**empty(), **(from_json(row["definitions"]) if row else {})}

    def _store(self, cur: ReadCursor, e: Any, definitions: dict[str, Any]) -> None:
        cur.execute("UPDATE metadef_namespaces SET definitions = ?, updated_at = ? WHERE id = ?",
                    (as_json(definitions), stamp(e), hexid(e)))


class MetadefViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def list(self, project_id: str | None, is_admin: bool) -> list[Row]:
        rows = self.store.query("SELECT * FROM metadef_namespaces WHERE deleted = ?"
                                " ORDER BY namespace", (False,))
        return [_decoded(r) for r in rows
                if is_admin or r["visibility"] == "public" or r["owner"] == project_id]

    def get(self, name: str, project_id: str | None, is_admin: bool) -> Row | None:
        row = self.store.query_one("SELECT * FROM metadef_namespaces WHERE namespace = ?"
                                   " AND deleted = ?", (name, False))
        if row is None or not (is_admin or row["visibility"] == "public"
                               or row["owner"] == project_id):
            return None
        return _decoded(row)


def _decoded(row: Row) -> Row:
    return {**row, "protected": bool(row["protected"]),
            "definitions": {**empty(), **(from_json(row["definitions"]) or {})}}
