"""`skyledger audit`: who did what, when and in which request, from the audit trail projection."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ops.commands import Subparsers
from ops.commands.projections import ENV_NOTE_WRAPPED, format_table, open_cloud

if TYPE_CHECKING:
    from ops.bootstrap import Cloud
    from projections.store import Row

# How often --follow looks for new events: about what `tail -f` feels like, and one cheap
# indexed query (plus, when catching up, one read of the log's head) per look.
POLL_SECONDS = 0.5
# Followed table columns, in COLUMNS order: position, time ("2026-11-25T10:00:00.123456Z"),
# aggregate type, event, three 32-hex ids, request id ("req-" + a dashed UUID).
FOLLOW_WIDTHS = (8, 27, 14, 22, 32, 32, 32, 40)

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


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "audit", help="list recorded events: who, what, when, in which request",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="List events from the audit trail (one row per event, oldest first) with\n"
                    "the user, project and request id that caused each. Filters combine with\n"
                    "AND. Secrets such as password hashes are never recorded.\n\n"
                    + ENV_NOTE_WRAPPED,
        epilog="examples:\n"
               "  skyledger audit --request-id req-2b0e...    everything one API request did\n"
               "  skyledger audit --request-id req-2b0e... --trace   ... as a tree, with the\n"
               "      libvirt/pyroute2/dnsmasq/nftables actions the workers took for it\n"
               "  skyledger audit --user 1f3e... --since 2026-11-25T00:00:00Z --json\n"
               "  skyledger audit --aggregate 6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a10 --limit 0\n"
               "  skyledger audit --follow --project 9a53...   live tail of one project\n"
               "  skyledger audit --jsonl --limit 0 > trail.jsonl   export every event")
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
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true",
                       help="print one JSON array, each event with its data")
    shape.add_argument("--jsonl", action="store_true",
                       help="print one JSON object per line (JSON lines), the same fields as "
                            "--json; for export, and with --follow")
    p.add_argument("-f", "--follow", action="store_true",
                   help="after the matching events, keep printing new ones as they are "
                        "recorded (every ~0.5 s) until interrupted (Ctrl-C or SIGTERM, exit 0); "
                        "--limit applies to the events already recorded only")
    p.add_argument("--trace", action="store_true",
                   help="with --request-id: the request as a tree of its events, each with the "
                        "side effects the workers recorded with it (libvirt domain and volume "
                        "calls, pyroute2 link/address changes, dnsmasq, nftables); every event "
                        "of the request (no --limit); with --json, one JSON object")
    p.add_argument("--no-catch-up", action="store_true",
                   help="query the trail as it is, without first applying newer events (with "
                        "--follow: show only what a running `serve` applies)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.trace:
        return run_trace(args)
    if args.follow and args.json:
        # One JSON array cannot be closed while events keep coming.
        print("skyledger audit: --json cannot follow; use --jsonl with --follow",
              file=sys.stderr)
        return 2
    stop = threading.Event()
    if args.follow:
        # Installed before anything is read, so that an early signal still ends cleanly.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    try:
        with open_cloud() as cloud:
            printer = Printer(args)
            position, rows = matching(cloud, args, after=None)
            printer.show(rows)
            while args.follow and not stop.wait(POLL_SECONDS):
                position, rows = matching(cloud, args, after=position)
                printer.show(rows)
    except BrokenPipeError:
        # The reader went away (`... | head`): nothing more to say, and nothing went wrong.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def run_trace(args: argparse.Namespace) -> int:
    from ops.commands.audit_trace import trace_json, trace_text
    from projections.audit import AuditViews

    if not args.request_id or args.follow or args.jsonl:
        print("skyledger audit: --trace needs --request-id, and takes neither --follow nor "
              "--jsonl", file=sys.stderr)
        return 2
    with open_cloud() as cloud:
        runner = cloud.runners["audit"]
        if not args.no_catch_up:
            runner.catch_up()
        rows = AuditViews(cloud.store).trace(args.request_id)
    print(trace_json(args.request_id, rows) if args.json else trace_text(args.request_id, rows))
    return 0 if rows else 1  # an unknown request id is worth telling a script about


def matching(cloud: Cloud, args: argparse.Namespace, after: int | None) -> tuple[int, list[Row]]:
    """The events matching the filters (after position `after`, if given), and the position
    up to which the trail has now been looked at: the cursor for the next look."""
    from projections.audit import AuditViews

    runner = cloud.runners["audit"]
    # Without --no-catch-up nothing may follow the log right now (no `serve` running), so bring
    # the trail to the head ourselves (safe beside other followers: runners lock).
    position = runner.position() if args.no_catch_up else runner.catch_up()
    # --limit picks from what was already recorded; everything new is shown while following.
    limit = (args.limit or None) if after is None else None
    rows = AuditViews(cloud.store).events(
        aggregate_id=args.aggregate, user_id=args.user, project_id=args.project,
        request_id=args.request_id, since=args.since, until=args.until,
        limit=limit, after=after)
    # Another process may have applied more between our two reads: never show a row twice.
    return max([position, after or 0, *(row["position"] for row in rows)]), rows


class Printer:
    """Prints the answer, then (following) each batch of new rows as it comes: JSON lines stay
    lines; a followed table prints its header once, with columns wide enough for typical
    values (FOLLOW_WIDTHS), so that the rows that come later line up under it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.widths: list[int] | None = None

    def show(self, rows: list[Row]) -> None:
        if self.args.jsonl:
            lines = [json_line(row) for row in rows]
        elif not self.args.follow:
            lines = [render(rows, self.args.json)]
        else:
            cells = [[shown_cell(value) for value in table_row(row)] for row in rows]
            head: list[list[str]] = []
            if self.widths is None:
                titles = [title for title, _ in COLUMNS]
                self.widths = [max(len(t), w) for t, w in zip(titles, FOLLOW_WIDTHS, strict=True)]
                head = [titles, ["-" * w for w in self.widths]]
            lines = [self._line(line) for line in [*head, *cells]]
        if lines:
            print("\n".join(lines), flush=True)

    def _line(self, cells: list[str]) -> str:
        widths = self.widths or []
        # A value wider than its column widens it from here on (later lines shift, none is cut).
        self.widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]
        return "  ".join(c.ljust(w) for c, w in zip(cells, self.widths, strict=True)).rstrip()


def shown_cell(value: Any) -> str:
    return "-" if value is None else str(value)


def json_line(row: Row) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def render(rows: list[dict[str, Any]], as_json: bool) -> str:
    if as_json:
        return json.dumps(rows, indent=2, sort_keys=True, default=str)
    return format_table([title for title, _ in COLUMNS], [table_row(row) for row in rows])


def table_row(row: Row) -> list[Any]:
    return [shown_time(row[key]) if key == "occurred_at" else row[key] for _, key in COLUMNS]


def shown_time(stored: str) -> str:
    return stored.replace("+00:00", "Z")
