"""Read model of Keystone's domain-specific configurations (sensitive options left out)."""

from __future__ import annotations

from typing import Any

from domain.identity.domain_config import SENSITIVE, DomainConfig
from projections.base import Projection, as_json, from_json, handles, hexid
from projections.identity import SafeQueries
from projections.store import ReadCursor, ReadStore


def readable(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration without the options nobody may read back."""
    return {g: {o: v for o, v in options.items() if o not in SENSITIVE.get(g, ())}
            for g, options in config.items()}


class DomainConfigProjection(Projection):
    name = "domain_configs"
    tables = ("domain_configs",)
    ddl = ("CREATE TABLE IF NOT EXISTS domain_configs (id TEXT PRIMARY KEY,"
           " domain_id TEXT NOT NULL, config TEXT NOT NULL)",)

    @handles(DomainConfig.Created)
    def created(self, cur: ReadCursor, e: DomainConfig.Created) -> None:
        cur.execute("INSERT INTO domain_configs (id, domain_id, config) VALUES (?, ?, ?)",
                    (hexid(e), e.domain_id, as_json(readable(e.config))))

    @handles(DomainConfig.Replaced)
    def replaced(self, cur: ReadCursor, e: DomainConfig.Replaced) -> None:
        cur.execute("UPDATE domain_configs SET config = ? WHERE id = ?",
                    (as_json(readable(e.config)), hexid(e)))

    @handles(DomainConfig.Deleted)
    def deleted(self, cur: ReadCursor, e: DomainConfig.Deleted) -> None:
        cur.execute("UPDATE domain_configs SET config = ? WHERE id = ?",
                    ("null", hexid(e)))


class DomainConfigViews:
    def __init__(self, store: ReadStore) -> None:
        self.store = SafeQueries(store)

    def config(self, domain_id: str) -> dict[str, Any] | None:
        rows = self.store.query("SELECT config FROM domain_configs WHERE domain_id = ?",
                                (domain_id,))
        return from_json(rows[0]["config"]) if rows else None
