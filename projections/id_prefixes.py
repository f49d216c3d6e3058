"""Read-model rows found by the first hex digits of their id: how the EC2 front end turns its
derived ids (`i-` + 17 hex digits of the uuid) back into the OpenStack ids."""

from __future__ import annotations

import re

from projections.store import ReadStore

# The read models whose ids (hex) EC2 ids stand for.
TABLES = frozenset({"servers", "images", "volumes", "volume_snapshots"})


def ids_with_prefix(store: ReadStore, table: str, prefix: str) -> list[str]:
    if table not in TABLES or not re.fullmatch(r"[0-9a-f]{1,32}", prefix):
        raise ValueError(f"no id prefix lookup on {table!r} for {prefix!r}")
    rows = store.query(f"SELECT id FROM {table} WHERE id LIKE ? ORDER BY id", (prefix + "%",))
    return [r["id"] for r in rows]
