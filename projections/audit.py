"""The audit trail: one row per event, with who (user, project) and why (request id).

Secrets never reach it: fields named in SECRET_FIELDS are dropped wherever they appear in an
event's data (nested dicts included, e.g. a user's `changes`), so neither the table nor any
rebuild of it holds a password hash.

The side effects a worker recorded with an outcome event (`meta["effects"]`, see
domain/process/effects.py: libvirt calls, pyroute2 changes, dnsmasq, nftables) go to
`audit_effects`, one row each, keyed by the event's position: a request's trace
(`AuditViews.trace`) is its events with what each host did for them.

Console events are left out (NOT_AUDITED): nobody did anything, a worker only recorded what a
guest printed, every few seconds while it prints; they would bury the users' actions, and
copy every guest's output into the trail. The console read model keeps what they say.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from domain.compute.console import Console
from domain.process.effects import recorded
from projections.base import Projection, as_json, from_json
from projections.store import ReadCursor, ReadStore, Row

# Never copied into the audit trail, whatever the event.
SECRET_FIELDS = {"password_hash", "password_hashes", "password", "private_key"}
SKIPPED_FIELDS = {"originator_id", "originator_version", "timestamp", "meta", "originator_topic"}
# Events that are not in the trail at all (see above).
NOT_AUDITED = (Console.Event,)


def scrubbed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: scrubbed(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list | tuple):
        return [scrubbed(v) for v in value]
    return value


def event_data(event: Any) -> dict[str, Any]:
    return {f.name: scrubbed(getattr(event, f.name)) for f in dataclasses.fields(event)
            if f.name not in SKIPPED_FIELDS and f.name not in SECRET_FIELDS}


def utc_text(moment: datetime) -> str:
    """The one spelling of times in the audit table, so that text order is time order.

    A naive time is taken as UTC. `isoformat()` leaves out zero microseconds, and that still
    sorts right: "10:00:00+00:00" < "10:00:00.000001+00:00" because "+" < ".".
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


class AuditProjection(Projection):
    name = "audit"
    tables = ("audit_effects", "audit_events")
    reads_everything = True
    ddl = (
        "CREATE TABLE IF NOT EXISTS audit_events (position BIGINT PRIMARY KEY,"
        " aggregate_id TEXT NOT NULL, aggregate_type TEXT NOT NULL, version INTEGER NOT NULL,"
        " event TEXT NOT NULL, occurred_at TEXT NOT NULL, user_id TEXT, project_id TEXT,"
        " request_id TEXT, data TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS audit_by_aggregate ON audit_events (aggregate_id)",
        "CREATE INDEX IF NOT EXISTS audit_by_request ON audit_events (request_id)",
        # A table of its own rather than a column: trails made before effects were recorded
        # gain it on start-up, and their events (which carry none) need no rebuild.
        "CREATE TABLE IF NOT EXISTS audit_effects (position BIGINT NOT NULL,"
        " seq INTEGER NOT NULL, system TEXT NOT NULL, action TEXT NOT NULL,"
        " target TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (position, seq))",
        "CREATE INDEX IF NOT EXISTS audit_effects_by_target ON audit_effects (target)",
    )

    def apply_any(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, NOT_AUDITED):
            return
        meta = getattr(event, "meta", None) or {}
        qualname = type(event).__qualname__
        aggregate_type, _, event_name = qualname.rpartition(".")
        cur.execute(
            "INSERT INTO audit_events (position, aggregate_id, aggregate_type, version, event,"
            " occurred_at, user_id, project_id, request_id, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (position, event.originator_id.hex, aggregate_type, event.originator_version,
             event_name, utc_text(event.timestamp), meta.get("user_id"), meta.get("project_id"),
             meta.get("request_id"), as_json(event_data(event))),
        )
        for seq, effect in enumerate(recorded(meta)):
            detail = {k: v for k, v in effect.items() if k not in ("system", "action", "target")}
            cur.execute(
                "INSERT INTO audit_effects (position, seq, system, action, target, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (position, seq, str(effect.get("system", "")), str(effect.get("action", "")),
                 str(effect.get("target", "")), as_json(scrubbed(detail))),
            )


def normal_id(value: str) -> str:
    """Ids are stored as 32 hex digits (as Keystone prints them); accept dashed UUIDs too."""
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return value


class AuditViews:
    """Queries over the audit trail; rows come back oldest first with `data` decoded."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def events(self, *, aggregate_id: str | None = None, user_id: str | None = None,
               project_id: str | None = None, request_id: str | None = None,
               since: datetime | None = None, until: datetime | None = None,
               limit: int | None = None, after: int | None = None) -> list[Row]:
        """Events matching every given filter: `since` inclusive, `until` exclusive; with
        `limit`, the most recent `limit` of them; with `after`, only those at a later log
        position (how a live tail asks for what is new)."""
        where, params = self._filters(aggregate_id, user_id, project_id, request_id, since, until)
        if after is not None:
            where.append("position > ?")
            params.append(after)
        sql = f"SELECT * FROM audit_events WHERE {' AND '.join(where)}"
        if limit is not None:
            # Newest N, still returned oldest first like the rest of the trail.
            sql = (f"SELECT * FROM ({sql} ORDER BY position DESC LIMIT ?) AS recent")
            params.append(limit)
        rows = self.store.query(sql + " ORDER BY position", params)
        return [{**row, "data": from_json(row["data"]) or {}} for row in rows]

    def effects(self, positions: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The side effects recorded with the events at these positions, in recorded order."""
        found: dict[int, list[dict[str, Any]]] = {p: [] for p in positions}
        for start in range(0, len(positions), 500):  # bounded IN lists
            chunk = positions[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self.store.query(
                f"SELECT * FROM audit_effects WHERE position IN ({marks})"
                " ORDER BY position, seq", chunk)
            for row in rows:
                found[int(row["position"])].append(
                    {"system": row["system"], "action": row["action"], "target": row["target"],
                     **(from_json(row["detail"]) or {})})
        return found

    def trace(self, request_id: str) -> list[Row]:
        """Every event of one request, oldest first, each with the side effects recorded with
        it (`effects`). Events saved together carry the same effects (one outcome, one save):
        they are listed under the first of them only, the others get `same_effects_as` (its
        position)."""
        rows = self.events(request_id=request_id)
        effects = self.effects([int(row["position"]) for row in rows])
        previous: Row | None = None
        for row in rows:
            own = effects[int(row["position"])]
            row["effects"] = own
            if own and previous is not None and previous["position"] == row["position"] - 1 \
                    and own == (previous["effects"] or effects[previous["position"]]):
                row["effects"] = []
                row["same_effects_as"] = previous.get("same_effects_as", previous["position"])
            previous = row
        return rows

    @staticmethod
    def _filters(aggregate_id: str | None, user_id: str | None, project_id: str | None,
                 request_id: str | None, since: datetime | None,
                 until: datetime | None) -> tuple[list[str], list[Any]]:
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        for column, value in (("aggregate_id", aggregate_id), ("user_id", user_id),
                              ("project_id", project_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(normal_id(value))
        if request_id is not None:
            where.append("request_id = ?")
            params.append(request_id)
        if since is not None:
            where.append("occurred_at >= ?")
            params.append(utc_text(since))
        if until is not None:
            where.append("occurred_at < ?")
            params.append(utc_text(until))
        return where, params
