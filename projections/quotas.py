"""Read model of quota limits and usage per project (`os-quota-sets`, `/limits`)."""

from __future__ import annotations

from typing import Any

from domain.quota.ledger import QuotaLedger
from domain.quota.limits import DEFAULT_LIMITS
from projections.base import Projection, handles
from projections.store import ReadCursor, ReadStore

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
    def opened(self, cur: ReadCursor, e: QuotaLedger.Opened) -> None:
        cur.execute("INSERT INTO quota_ledgers (id, project_id) VALUES (?, ?)",
                    (e.originator_id.hex, e.project_id))

    def _project(self, cur: ReadCursor, e: Any) -> str:
        row = cur.execute("SELECT project_id FROM quota_ledgers WHERE id = ?",
                          (e.originator_id.hex,)).one()
        assert row is not None, "a ledger's Opened event precedes its other events"
        return str(row["project_id"])

    @handles(QuotaLedger.Claimed, QuotaLedger.Released)
    def usage_changed(self, cur: ReadCursor, e: QuotaLedger.Claimed | QuotaLedger.Released) -> None:
        project_id = self._project(cur, e)
        sign = 1 if isinstance(e, QuotaLedger.Claimed) else -1
        for resource, amount in e.amounts.items():
            cur.execute(UPSERT.format(column="in_use",
                                      value="quota_usage.in_use + excluded.in_use"),
                        (project_id, resource, None, sign * amount))

    @handles(QuotaLedger.LimitsSet)
    def limits_set(self, cur: ReadCursor, e: QuotaLedger.LimitsSet) -> None:
        project_id = self._project(cur, e)
        for resource, limit in e.limits.items():
            cur.execute(UPSERT.format(column="hard_limit", value="excluded.hard_limit"),
                        (project_id, resource, limit, 0))

    @handles(QuotaLedger.LimitsReset)
    def limits_reset(self, cur: ReadCursor, e: QuotaLedger.LimitsReset) -> None:
        cur.execute("UPDATE quota_usage SET hard_limit = NULL WHERE project_id = ?",
                    (self._project(cur, e),))


class QuotaViews:
    """Queries over the quota read model: every resource, defaults filled in."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def _rows(self, project_id: str | None) -> list[dict[str, Any]]:
        return self.store.query("SELECT resource, hard_limit, in_use FROM quota_usage"
                                " WHERE project_id = ?", (project_id,))

    def limits_and_usage(self, project_id: str | None) -> tuple[dict[str, int], dict[str, int]]:
        limits, usage = dict(DEFAULT_LIMITS), dict.fromkeys(DEFAULT_LIMITS, 0)
        for row in self._rows(project_id):
            if row["resource"] not in limits:
                continue
            if row["hard_limit"] is not None:
                limits[row["resource"]] = int(row["hard_limit"])
            usage[row["resource"]] = int(row["in_use"])
        return limits, usage

    def limits(self, project_id: str | None) -> dict[str, int]:
        return self.limits_and_usage(project_id)[0]

    def usage(self, project_id: str | None) -> dict[str, int]:
        return self.limits_and_usage(project_id)[1]

    def detail(self, project_id: str | None) -> dict[str, dict[str, int]]:
        """Nova's detailed view: limit, in_use and reserved (always 0: claims are immediate)."""
        limits, usage = self.limits_and_usage(project_id)
        return {r: {"limit": limits[r], "in_use": usage[r], "reserved": 0} for r in limits}

    def project_exists(self, project_id: str) -> bool:
        """Whether identity knows the project (Nova's verify_project_id asks Keystone)."""
        return self.store.query_one("SELECT id FROM projects WHERE id = ?",
                                    (project_id,)) is not None
