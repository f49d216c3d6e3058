"""Read model of quota limits and usage per project (`os-quota-sets`, `/limits`)."""

from __future__ import annotations

from typing import Any

from domain.quota.ledger import USER_RESOURCES, QuotaLedger
from domain.quota.limits import DEFAULT_LIMITS, is_type_resource
from domain.quota.quota_class import CLASS_RESOURCES, DEFAULT_CLASS, QuotaClass, is_enforced
from projections.base import Projection, handles
from projections.store import ReadCursor, ReadStore

UPSERT = (
    "INSERT INTO quota_usage (project_id, resource, hard_limit, in_use) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (project_id, resource) DO UPDATE SET {column} = {value}"
)


USER_UPSERT = (
    "INSERT INTO quota_user_usage (project_id, user_id, resource, hard_limit, in_use)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, user_id, resource) DO UPDATE SET"
    " {column} = {value}"
)


class QuotaProjection(Projection):
    name = "quotas"
    tables = ("quota_usage", "quota_ledgers", "quota_class_limits", "quota_user_usage")
    ddl = (
        "CREATE TABLE IF NOT EXISTS quota_ledgers (id TEXT PRIMARY KEY, project_id TEXT NOT NULL)",
        # hard_limit NULL means the default applies.
        "CREATE TABLE IF NOT EXISTS quota_usage (project_id TEXT NOT NULL, resource TEXT NOT NULL,"
        " hard_limit INTEGER, in_use INTEGER NOT NULL, PRIMARY KEY (project_id, resource))",
        # Per user of a project: their own limit (NULL: the project's) and their use.
        "CREATE TABLE IF NOT EXISTS quota_user_usage (project_id TEXT NOT NULL,"
        " user_id TEXT NOT NULL, resource TEXT NOT NULL, hard_limit INTEGER,"
        " in_use INTEGER NOT NULL, PRIMARY KEY (project_id, user_id, resource))",
        "CREATE TABLE IF NOT EXISTS quota_class_limits (id TEXT NOT NULL, name TEXT NOT NULL,"
        " resource TEXT NOT NULL, hard_limit INTEGER, PRIMARY KEY (id, resource))",
    )

    @handles(QuotaClass.Opened)
    def class_opened(self, cur: ReadCursor, e: QuotaClass.Opened) -> None:
        # A row without a resource names the class, so its later events find the name.
        cur.execute("INSERT INTO quota_class_limits (id, name, resource, hard_limit)"
                    " VALUES (?, ?, '', NULL)", (e.originator_id.hex, e.name))

    @handles(QuotaClass.LimitsSet)
    def class_limits_set(self, cur: ReadCursor, e: QuotaClass.LimitsSet) -> None:
        row = cur.execute("SELECT name FROM quota_class_limits WHERE id = ? AND resource = ''",
                          (e.originator_id.hex,)).one()
        assert row is not None, "a class's Opened event precedes its other events"
        for resource, limit in e.limits.items():
            cur.execute("INSERT INTO quota_class_limits (id, name, resource, hard_limit)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (id, resource) DO UPDATE SET"
                        " hard_limit = excluded.hard_limit",
                        (e.originator_id.hex, row["name"], resource, limit))

    @handles(QuotaLedger.Opened)
    def opened(self, cur: ReadCursor, e: QuotaLedger.Opened) -> None:
        cur.execute("INSERT INTO quota_ledgers (id, project_id) VALUES (?, ?)",
                    (e.originator_id.hex, e.project_id))

    def _project(self, cur: ReadCursor, e: Any) -> str:
        row = cur.execute("SELECT project_id FROM quota_ledgers WHERE id = ?",
                          (e.originator_id.hex,)).one()
        assert row is not None, "a ledger's Opened event precedes its other events"
        return str(row["project_id"])

    @handles(QuotaLedger.Claimed, QuotaLedger.Released, QuotaLedger.ClaimedFor,
             QuotaLedger.ReleasedFor)
    def usage_changed(self, cur: ReadCursor, e: Any) -> None:
        project_id = self._project(cur, e)
        sign = 1 if isinstance(e, (QuotaLedger.Claimed, QuotaLedger.ClaimedFor)) else -1
        for resource, amount in e.amounts.items():
            cur.execute(UPSERT.format(column="in_use",
                                      value="quota_usage.in_use + excluded.in_use"),
                        (project_id, resource, None, sign * amount))
        if isinstance(e, (QuotaLedger.ClaimedFor, QuotaLedger.ReleasedFor)):
            for resource, amount in e.amounts.items():
                if resource in USER_RESOURCES:  # as the ledger counts a user's share
                    cur.execute(USER_UPSERT.format(
                        column="in_use", value="CASE WHEN quota_user_usage.in_use"
                        " + excluded.in_use < 0 THEN 0 ELSE quota_user_usage.in_use"
                        " + excluded.in_use END"),
                        (project_id, e.user_id, resource, None, sign * amount))

    @handles(QuotaLedger.UserLimitsSet)
    def user_limits_set(self, cur: ReadCursor, e: QuotaLedger.UserLimitsSet) -> None:
        project_id = self._project(cur, e)
        for resource, limit in e.limits.items():
            cur.execute(USER_UPSERT.format(column="hard_limit", value="excluded.hard_limit"),
                        (project_id, e.user_id, resource, limit, 0))

    @handles(QuotaLedger.UserLimitsReset)
    def user_limits_reset(self, cur: ReadCursor, e: QuotaLedger.UserLimitsReset) -> None:
        cur.execute("UPDATE quota_user_usage SET hard_limit = NULL WHERE project_id = ?"
                    " AND user_id = ?", (self._project(cur, e), e.user_id))

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

    def class_values(self, name: str) -> dict[str, int]:
        """What a quota class sets itself (no defaults filled in)."""
        rows = self.store.query("SELECT resource, hard_limit FROM quota_class_limits"
                                " WHERE name = ? AND resource <> ''", (name,))
        return {r["resource"]: int(r["hard_limit"]) for r in rows}

    def class_limits(self, name: str) -> dict[str, int]:
        """A quota class's limits of Nova's resources: its own values, else the code's."""
        own = self.class_values(name)
        return {r: own.get(r, DEFAULT_LIMITS[r]) for r in CLASS_RESOURCES}

    def defaults(self) -> dict[str, int]:
        """Every project's default limits: the default class's for Nova's resources and
        Cinder's."""
        own = self.class_values(DEFAULT_CLASS)
        return {**DEFAULT_LIMITS,
                **{r: v for r, v in own.items() if r in DEFAULT_LIMITS and is_enforced(r)}}

    def limits_and_usage(self, project_id: str | None) -> tuple[dict[str, int], dict[str, int]]:
        limits, usage = self.defaults(), dict.fromkeys(DEFAULT_LIMITS, 0)
        for row in self._rows(project_id):
            if row["resource"] not in limits:
                continue
            if row["hard_limit"] is not None:
                limits[row["resource"]] = int(row["hard_limit"])
            usage[row["resource"]] = int(row["in_use"])
        return limits, usage

    def typed_limits_and_usage(
            self, project_id: str | None) -> tuple[dict[str, int], dict[str, int]]:
        """The per-volume-type resources (domain/quota/limits.py) a default, a limit or a use
        is recorded for; the others are unlimited and unused."""
        limits = {r: v for r, v in self.class_values(DEFAULT_CLASS).items()
                  if is_type_resource(r)}
        usage: dict[str, int] = {}
        for row in self._rows(project_id):
            if is_type_resource(row["resource"]):
                if row["hard_limit"] is not None:
                    limits[row["resource"]] = int(row["hard_limit"])
                usage[row["resource"]] = int(row["in_use"])
        return limits, usage

    def limits(self, project_id: str | None) -> dict[str, int]:
        return self.limits_and_usage(project_id)[0]

    def user_limits_and_usage(self, project_id: str,
                              user_id: str) -> tuple[dict[str, int], dict[str, int]]:
        """A user's limits (their own, else the project's) and use (their own share of the
        resources counted per user, the project's of the rest), as Nova's get_user_quotas."""
        limits, usage = self.limits_and_usage(project_id)
        rows = self.store.query("SELECT resource, hard_limit, in_use FROM quota_user_usage"
                                " WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        mine = {r: 0 for r in USER_RESOURCES}
        for row in rows:
            if row["hard_limit"] is not None:
                limits[row["resource"]] = int(row["hard_limit"])
            mine[row["resource"]] = int(row["in_use"])
        return limits, {**usage, **mine}

    def usage(self, project_id: str | None) -> dict[str, int]:
        return self.limits_and_usage(project_id)[1]

    def detail(self, project_id: str | None,
               user_id: str | None = None) -> dict[str, dict[str, int]]:
        """Nova's detailed view: limit, in_use and reserved (always 0: claims are immediate);
        with `user_id`, the user's."""
        limits, usage = self.limits_and_usage(project_id) if user_id is None or \
            project_id is None else self.user_limits_and_usage(project_id, user_id)
        return {r: {"limit": limits[r], "in_use": usage[r], "reserved": 0} for r in limits}

    def project_exists(self, project_id: str) -> bool:
        """Whether identity knows the project (Nova's verify_project_id asks Keystone)."""
        return self.store.query_one("SELECT id FROM projects WHERE id = ?",
                                    (project_id,)) is not None
