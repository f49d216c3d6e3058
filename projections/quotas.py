"""Read model of quota limits and usage per project (`os-quota-sets`, `/limits`)."""

from __future__ import annotations

from typing import Any

from domain.quota.ledger import QuotaLedger
from projections.base import Projection, handles
from projections.store import ReadCursor

UPSERT = (
    "INSERT INTO quota_usage (project_id, resource, hard_limit, in_use) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (project_id, resource) DO UPDATE SET {column} = {value}"
)


class QuotaProjection(Projection):
    name = "quotas"
    tables = ("quota_usage", "quota_ledgers")
    ddl = (
        "CREATE TABLE IF NOT EXISTS quota_ledgers (id TEXT PRIMARY KEY, project_id TEXT NOT NULL)",
        # hard_limit NULL means the default applies.
        "CREATE TABLE IF NOT EXISTS quota_usage (project_id TEXT NOT NULL, resource TEXT NOT NULL,"
        " hard_limit INTEGER, in_use INTEGER NOT NULL, PRIMARY KEY (project_id, resource))",
    )

    @handles(QuotaLedger.Opened)
    def opened(self, cur: ReadCursor, e: Any) -> None:
        cur.execute("INSERT INTO quota_ledgers (id, project_id) VALUES (?, ?)",
                    (e.originator_id.hex, e.project_id))

    def _project(self, cur: ReadCursor, e: Any) -> str:
        row = cur.execute("SELECT project_id FROM quota_ledgers WHERE id = ?",
                          (e.originator_id.hex,)).one()
        assert row is not None, "a ledger's Opened event precedes its other events"
        return str(row["project_id"])

    @handles(QuotaLedger.Claimed, QuotaLedger.Released)
    def usage_changed(self, cur: ReadCursor, e: Any) -> None:
        project_id = self._project(cur, e)
        sign = 1 if isinstance(e, QuotaLedger.Claimed) else -1
        for resource, amount in e.amounts.items():
            cur.execute(UPSERT.format(column="in_use", value="quota_usage.in_use + excluded.in_use"),
                        (project_id, resource, None, sign * amount))

    @handles(QuotaLedger.LimitsSet)
    def limits_set(self, cur: ReadCursor, e: Any) -> None:
        project_id = self._project(cur, e)
        for resource, limit in e.limits.items():
            cur.execute(UPSERT.format(column="hard_limit", value="excluded.hard_limit"),
                        (project_id, resource, limit, 0))
