"""`skyledger audit`: who did what, when and in which request, from the audit trail projection."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from ops.commands.projections import ENV_NOTE_WRAPPED, format_table, open_cloud

COLUMNS = (("POSITION", "position"), ("TIME", "occurred_at"), ("AGGREGATE TYPE", "aggregate_type"),
           ("EVENT", "event"), ("AGGREGATE ID", "aggregate_id"), ("USER", "user_id"),
           ("PROJECT", "project_id"), ("REQUEST ID", "request_id"))


def iso_time(text: str) -> datetime:
    """An ISO-8601 time for argparse; a time without an offset is UTC."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 time: {text!r} (e.g. 2026-11-25T10:00:00Z or 2026-11-25)"
        ) from None


def non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "audit", help="list recorded events: who, what, when, in which request",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="List events from the audit trail (one row per event, oldest first) with\n"
                    "the user, project and request id that caused each. Filters combine with\n"
                    "AND. Secrets such as password hashes are never recorded.\n\n"
                    + ENV_NOTE_WRAPPED,
        epilog="examples:\n"
               "  skyledger audit --request-id req-2b0e...    everything one API request did\n"
               "  skyledger audit --user 1f3e... --since 2026-11-25T00:00:00Z --json\n"
               "  skyledger audit --aggregate 6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a10 --limit 0")
    p.add_argument("--aggregate", metavar="ID", help="events of this aggregate (hex or UUID)")
    p.add_argument("--user", metavar="ID", help="events caused by this user id")
    p.add_argument("--project", metavar="ID", help="events caused in this project id")
    p.add_argument("--request-id", metavar="ID",
                   help="events of one API request (its X-Openstack-Request-Id header)")
    p.add_argument("--since", type=iso_time, metavar="TIME",
                   help="at or after this ISO-8601 time (UTC unless an offset is given)")
    p.add_argument("--until", type=iso_time, metavar="TIME", help="before this ISO-8601 time")
    p.add_argument("--limit", type=non_negative, default=100, metavar="N",
                   help="only the most recent N matching events (default 100, 0 = all)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON array, each event with its data")
    p.add_argument("--no-catch-up", action="store_true",
                   help="query the trail as it is, without first applying newer events")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from projections.audit import AuditViews

    with open_cloud() as cloud:
        if not args.no_catch_up:
            # Nothing may follow the log right now (no `serve` running): bring the trail to head.
            cloud.runners["audit"].catch_up()
        rows = AuditViews(cloud.store).events(
            aggregate_id=args.aggregate, user_id=args.user, project_id=args.project,
            request_id=args.request_id, since=args.since, until=args.until,
            limit=args.limit or None)
    print(render(rows, args.json))
    return 0


def render(rows: list[dict[str, Any]], as_json: bool) -> str:
    if as_json:
        return json.dumps(rows, indent=2, sort_keys=True, default=str)
    table = [[shown_time(row[key]) if key == "occurred_at" else row[key] for _, key in COLUMNS]
             for row in rows]
    return format_table([title for title, _ in COLUMNS], table)


def shown_time(stored: str) -> str:
    return stored.replace("+00:00", "Z")
