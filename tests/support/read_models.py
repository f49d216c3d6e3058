"""Read models as data (every row of a table, or of every projection, in a fixed order) and the
bootstrap admin's request context."""

from __future__ import annotations

from typing import Any

from domain.context import RequestContext
from domain.naming import claim_id
from ops.bootstrap import Cloud
from projections.registry import all_projections
from projections.store import ReadStore

Dump = dict[str, list[tuple[Any, ...]]]


def dump_table(store: ReadStore, table: str) -> list[tuple[Any, ...]]:
    """Every row, ordered by all of its columns, so the order of insertion cannot matter."""
    with store.transaction() as cur:
        width = len(cur.execute(f"SELECT * FROM {table} WHERE 1 = 0").raw.description)
        order = ", ".join(str(i) for i in range(1, width + 1))
        cur.execute(f"SELECT * FROM {table} ORDER BY {order}")
        return [tuple(row) for row in cur.raw.fetchall()]


def dump_all(store: ReadStore) -> dict[str, Dump]:
    return {p.name: {t: dump_table(store, t) for t in p.tables} for p in all_projections()}


def admin_context(cloud: Cloud) -> RequestContext:
    """The bootstrap admin as the API binds it (ids as 32 hex digits, like Keystone's)."""
    user = cloud.app.find(claim_id("user", "default", "admin"))
    project = cloud.app.find(claim_id("project", "default", "admin"))
    assert user is not None and project is not None
    return RequestContext(user_id=user.owner_id.hex, project_id=project.owner_id.hex,
                          roles=("admin",))
