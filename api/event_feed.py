"""The dashboard's live timeline: the newest audit-trail events after a cursor, in one page.

The cursor is a log position. It moves up to the trail's head even when none of the new events
belong to the caller's project, so that the next poll's `position > cursor` scan stays short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.audit import AuditViews
from projections.store import ReadStore, Row


@dataclass(frozen=True)
class FeedPage:
    events: list[dict[str, Any]]
    position: int  # the cursor for the next poll (`after=`)
    truncated: bool  # older events after the cursor were left out: only the newest `limit` shown


def shown(row: Row) -> dict[str, Any]:
    """What the timeline shows of one event: who, what, when, and a name when it has one.
    The event's other data stays out of the browser (it needs none of it)."""
    name = row["data"].get("name")
    return {"position": row["position"], "occurred_at": row["occurred_at"],
            "aggregate_type": row["aggregate_type"], "event": row["event"],
            "aggregate_id": row["aggregate_id"], "user_id": row["user_id"],
            "project_id": row["project_id"], "request_id": row["request_id"],
            "name": name if isinstance(name, str) else None}


def recent_events(store: ReadStore, project_id: str | None, after: int | None,
                  limit: int) -> FeedPage:
    """Events of `project_id` (None: of every project, and the system's own) after position
    `after` (None: the newest ones), at most `limit` of them, oldest first."""
    # The head is read before the rows: the audit follower commits rows in position order, so
    # every row at or below this head is already visible to the query that follows.
    head_row = store.query_one("SELECT MAX(position) AS head FROM audit_events")
    head = int(head_row["head"] or 0) if head_row else 0
    rows = AuditViews(store).events(project_id=project_id, after=after, limit=limit + 1)
    truncated = len(rows) > limit
    rows = rows[-limit:]
    position = max([head, after or 0, *(row["position"] for row in rows)])
    return FeedPage([shown(row) for row in rows], position, truncated)
