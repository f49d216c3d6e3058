"""Where the events live: a database URL turned into eventsourcing settings and a read store.

`sqlite:///relative/path` or `sqlite:////absolute/path` (SQLAlchemy's spelling) is the embedded
default; `postgresql://user:pw@host:port/db?schema=NAME` selects PostgreSQL, optionally inside one
schema (how tests and replays get a private copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlparse

from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")

    def pg_parts(self) -> dict[str, str]:
        u = urlparse(self.url)
        query = parse_qs(u.query)
        return {
            "dbname": (u.path or "/postgres").lstrip("/") or "postgres",
            "host": u.hostname or "127.0.0.1",
            "port": str(u.port or 5432),
            "user": unquote(u.username or "postgres"),
            "password": unquote(u.password or ""),
            "schema": query.get("schema", [""])[0],
        }

    def event_store_env(self) -> dict[str, str]:
        if not self.is_postgres:
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": self.sqlite_path(),
                    "SQLITE_LOCK_TIMEOUT": "30"}
        p = self.pg_parts()
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": p["dbname"], "POSTGRES_HOST": p["host"], "POSTGRES_PORT": p["port"],
            "POSTGRES_USER": p["user"], "POSTGRES_PASSWORD": p["password"],
            "POSTGRES_POOL_SIZE": "10", "POSTGRES_MAX_OVERFLOW": "20",
            "POSTGRES_CONNECT_TIMEOUT": "5", "POSTGRES_PRE_PING": "y",
        }
        if p["schema"]:
            env["POSTGRES_SCHEMA"] = p["schema"]
        return env

    def conninfo(self) -> str:
        p = self.pg_parts()
        return (f"dbname={p['dbname']} host={p['host']} port={p['port']} user={p['user']}"
                + (f" password={p['password']}" if p["password"] else ""))

    def read_store(self) -> ReadStore:
        if not self.is_postgres:
            return SQLiteReadStore(self.sqlite_path())
        return PostgresReadStore(self.conninfo(), schema=self.pg_parts()["schema"] or None)
