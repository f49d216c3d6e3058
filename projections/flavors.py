"""Read model of flavors, their extra specs and access lists (Compute `/flavors`).

Rows are keyed by the aggregate id (`id`); `flavorid` is the Nova-visible natural key.
"""

from __future__ import annotations

import re
from typing import Any

from domain.catalog.flavor import Flavor
from domain.errors import InvalidInput
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.store import ReadCursor, ReadStore, Row


class FlavorProjection(Projection):
    name = "flavors"
    tables = ("flavor_access", "flavors")
    ddl = (
        "CREATE TABLE IF NOT EXISTS flavors (id TEXT PRIMARY KEY, flavorid TEXT NOT NULL UNIQUE,"
        " name TEXT NOT NULL, ram INTEGER NOT NULL, vcpus INTEGER NOT NULL, disk INTEGER NOT NULL,"
        " ephemeral INTEGER NOT NULL, swap INTEGER NOT NULL, rxtx_factor REAL NOT NULL,"
        " is_public BOOLEAN NOT NULL, description TEXT, extra_specs TEXT NOT NULL,"
        " disabled BOOLEAN NOT NULL)",
        "CREATE TABLE IF NOT EXISTS flavor_access (id TEXT NOT NULL, project_id TEXT NOT NULL,"
        " PRIMARY KEY (id, project_id))",
    )

    @handles(Flavor.Created)
    def created(self, cur: ReadCursor, e: Flavor.Created) -> None:
        cur.execute(
            "INSERT INTO flavors (id, flavorid, name, ram, vcpus, disk, ephemeral, swap,"
            " rxtx_factor, is_public, description, extra_specs, disabled)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                hexid(e),
                e.flavorid,
                e.name,
                e.ram,
                e.vcpus,
                e.disk,
                e.ephemeral,
                e.swap,
                e.rxtx_factor,
                e.is_public,
                e.description,
                "{}",
                e.disabled,  # upcast to False for events stored before version 2
            ),
        )

    @handles(Flavor.DescriptionChanged)
    def described(self, cur: ReadCursor, e: Flavor.DescriptionChanged) -> None:
        cur.execute("UPDATE flavors SET description = ? WHERE id = ?", (e.description, hexid(e)))

    @handles(Flavor.ExtraSpecsSet, Flavor.ExtraSpecUnset)
    def extra_specs(self, cur: ReadCursor, e: Flavor.ExtraSpecsSet | Flavor.ExtraSpecUnset) -> None:
        row = cur.execute("SELECT extra_specs FROM flavors WHERE id = ?", (hexid(e),)).one()
        specs = from_json(row["extra_specs"]) if row else {}
        if isinstance(e, Flavor.ExtraSpecsSet):
            specs.update(e.specs)
        else:
            specs.pop(e.key, None)
        cur.execute("UPDATE flavors SET extra_specs = ? WHERE id = ?", (as_json(specs), hexid(e)))

    @handles(Flavor.AccessGranted)
    def access_granted(self, cur: ReadCursor, e: Flavor.AccessGranted) -> None:
        cur.execute(
            "INSERT INTO flavor_access (id, project_id) VALUES (?, ?)", (hexid(e), e.project_id)
        )

    @handles(Flavor.AccessRevoked)
    def access_revoked(self, cur: ReadCursor, e: Flavor.AccessRevoked) -> None:
        cur.execute(
            "DELETE FROM flavor_access WHERE id = ? AND project_id = ?", (hexid(e), e.project_id)
        )

    @handles(Flavor.Deleted)
    def deleted(self, cur: ReadCursor, e: Flavor.Deleted) -> None:
        cur.execute("DELETE FROM flavor_access WHERE id = ?", (hexid(e),))
        cur.execute("DELETE FROM flavors WHERE id = ?", (hexid(e),))


class FlavorViews:
    """Queries over the flavor read model; rows come back as plain dicts."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, flavorid: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM flavors WHERE flavorid = ?", (flavorid,))
        return _decoded(row) if row else None

    def access(self, flavorid: str) -> list[str]:
        rows = self.store.query(
            "SELECT a.project_id FROM flavor_access a JOIN flavors f"
            " ON f.id = a.id WHERE f.flavorid = ? ORDER BY a.project_id",
            (flavorid,),
        )
        return [r["project_id"] for r in rows]

    def list(
        self,
        project_id: str | None,
        is_admin: bool,
        is_public: str | None = None,
        min_ram: int | None = None,
        min_disk: int | None = None,
        limit: int | None = None,
        marker: str | None = None,
        name: str | None = None,
    ) -> list[Row]:
        """`name`: a regular expression the name must match somewhere (Nova's REGEXP)."""
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        # Nova: non-admins see public flavors plus private ones shared with their project;
        # admins see public ones by default, private too with is_public=None/all.
        wanted = (is_public or "true").lower()
        if not is_admin:
            where.append(
                "(is_public = ? OR id IN (SELECT id FROM flavor_access WHERE project_id = ?))"
            )
            params += [True, project_id]
        elif wanted in ("true", "1", "yes", "t"):
            where.append("is_public = ?")
            params.append(True)
        elif wanted in ("false", "0", "no", "f"):
            where.append("is_public = ?")
            params.append(False)
        # any other value ("none", "all") lets an admin see every flavor
        if min_ram is not None:
            where.append("ram >= ?")
            params.append(min_ram)
        if min_disk is not None:
            where.append("disk >= ?")
            params.append(min_disk)
        rows = [
            _decoded(r)
            for r in self.store.query(
                f"SELECT * FROM flavors WHERE {' AND '.join(where)} ORDER BY flavorid", params
            )
        ]
        rows.sort(key=_nova_order)
        if name is not None:
            try:
                pattern = re.compile(name)
            except re.error as error:
                raise InvalidInput(f"Invalid name filter [{name}]: {error}") from None
            rows = [r for r in rows if pattern.search(str(r["name"]))]
        if marker is not None:
            ids = [r["flavorid"] for r in rows]
            if marker not in ids:
                raise InvalidInput(f"marker [{marker}] not found")
            rows = rows[ids.index(marker) + 1 :]
        return rows[:limit] if limit is not None else rows


def _nova_order(row: Row) -> tuple[int, int, str]:
    # Nova sorts flavors by flavorid; numeric ids in number order so "10" follows "9".
    fid = str(row["flavorid"])
    return (0, int(fid), "") if fid.isdigit() else (1, 0, fid)


def _decoded(row: Row) -> Row:
    return {
        **row,
        "extra_specs": from_json(row["extra_specs"]) or {},
        "is_public": bool(row["is_public"]),
        "disabled": bool(row["disabled"]),
    }
