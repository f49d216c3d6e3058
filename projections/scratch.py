"""Read stores beside the live one: where a rebuild builds its new copy and a replay its past.

A scratch space lives in the same database as the events, so building into it reads the same
notification log, but never touches the live read models: on SQLite it is a file of its own
under `<data dir>/scratch/`, on PostgreSQL a schema of its own beside the live schema. Spaces are
named by a label (`rebuild-servers`, `replay-before-upgrade`), so a later command (a query, a
swap, a drop) finds the same space again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from projections.store import DatabaseLocation, PostgresReadStore, ReadStore, SQLiteReadStore

LABEL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# PostgreSQL truncates identifiers to 63 bytes; a live schema name is cut to leave room.
SCHEMA_ROOM = 63 - len("__") - 40


def check_label(label: str) -> str:
    """Labels become file and schema names: lower-case letters, digits, - and _, ≤ 40."""
    if not LABEL.match(label):
        raise ValueError(f"scratch name {label!r}: use 1-40 of a-z, 0-9, '-' and '_', "
                         "starting with a letter or digit")
    return label


@dataclass(frozen=True)
class ScratchSpace:
    database: DatabaseLocation
    label: str

    def __post_init__(self) -> None:
        check_label(self.label)

    @property
    def live_schema(self) -> str:
        return self.database.pg_parts()["schema"] or "public"

    @property
    def schema(self) -> str:
        """The PostgreSQL schema of this space (PostgreSQL only)."""
        return f"{self.live_schema[:SCHEMA_ROOM]}__{self.label.replace('-', '_')}"

    @property
    def path(self) -> Path:
        """The SQLite file of this space (SQLite only)."""
        live = Path(self.database.sqlite_path())
        return live.parent / "scratch" / f"{self.label}.sqlite"

    def where(self) -> str:
        """For messages: the file or schema holding this space."""
        return f"schema {self.schema}" if self.database.is_postgres else str(self.path)

    def exists(self) -> bool:
        if not self.database.is_postgres:
            return self.path.exists()
        import psycopg

        with psycopg.connect(self.database.conninfo(), autocommit=True) as conn:
            row = conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                               (self.schema,)).fetchone()
        return row is not None

    def open(self) -> ReadStore:
        """A read store on this space, made empty-but-present if it did not exist."""
        if not self.database.is_postgres:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return SQLiteReadStore(str(self.path))
        import psycopg
        from psycopg.sql import SQL, Identifier

        with psycopg.connect(self.database.conninfo(), autocommit=True) as conn:
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(self.schema)))
        return PostgresReadStore(self.database.conninfo(), schema=self.schema, max_size=2)

    def drop(self) -> None:
        if not self.database.is_postgres:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg
        from psycopg.sql import SQL, Identifier

        with psycopg.connect(self.database.conninfo(), autocommit=True) as conn:
            conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(self.schema)))


def scratch_labels(database: DatabaseLocation, prefix: str) -> list[str]:
    """The labels of the spaces that exist and start with `prefix` (e.g. every replay)."""
    if not database.is_postgres:
        folder = ScratchSpace(database, "x").path.parent
        return sorted(p.stem for p in folder.glob(f"{prefix}*.sqlite"))
    import psycopg

    head = ScratchSpace(database, "x").schema[:-1]  # "<live>__"
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        rows = conn.execute("SELECT schema_name FROM information_schema.schemata"
                            " WHERE starts_with(schema_name, %s)", (head,)).fetchall()
    wanted = prefix.replace("-", "_")
    return sorted(name[len(head):] for (name,) in rows if name[len(head):].startswith(wanted))
