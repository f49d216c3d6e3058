"""The audit trail: one row per event, with who (user, project) and why (request id)."""

from __future__ import annotations

import dataclasses
from typing import Any

from projections.base import Projection, as_json
from projections.store import ReadCursor

# Never copied into the audit trail, whatever the event.
SECRET_FIELDS = {"password_hash", "password", "private_key"}


def event_data(event: Any) -> dict[str, Any]:
    skip = {"originator_id", "originator_version", "timestamp", "meta", "originator_topic"}
    return {f.name: getattr(event, f.name) for f in dataclasses.fields(event)
            if f.name not in skip and f.name not in SECRET_FIELDS}


class AuditProjection(Projection):
    name = "audit"
    tables = ("audit_events",)
    reads_everything = True
    ddl = (
        "CREATE TABLE IF NOT EXISTS audit_events (position BIGINT PRIMARY KEY,"
        " aggregate_id TEXT NOT NULL, aggregate_type TEXT NOT NULL, version INTEGER NOT NULL,"
        " event TEXT NOT NULL, occurred_at TEXT NOT NULL, user_id TEXT, project_id TEXT,"
        " request_id TEXT, data TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS audit_by_aggregate ON audit_events (aggregate_id)",
        "CREATE INDEX IF NOT EXISTS audit_by_request ON audit_events (request_id)",
    )

    def apply_any(self, cur: ReadCursor, event: Any, position: int) -> None:
        meta = getattr(event, "meta", None) or {}
        qualname = type(event).__qualname__
        aggregate_type, _, event_name = qualname.rpartition(".")
        cur.execute(
            "INSERT INTO audit_events (position, aggregate_id, aggregate_type, version, event,"
            " occurred_at, user_id, project_id, request_id, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (position, event.originator_id.hex, aggregate_type, event.originator_version,
             event_name, event.timestamp.isoformat(), meta.get("user_id"), meta.get("project_id"),
             meta.get("request_id"), as_json(event_data(event))),
        )
