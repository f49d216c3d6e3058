"""`skyledger diff T1 T2`: what changed between two moments, aggregate by aggregate."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ops.commands import Subparsers
from ops.commands.projections import ENV_NOTE_WRAPPED, format_table, open_cloud
from ops.commands.replay import fail, moment_arg, resolve

if TYPE_CHECKING:
    from projections.aggregate_diff import Change
    from projections.moments import Moment


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "diff", help="what changed between two moments, per aggregate",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="For every aggregate (server, quota ledger, host, user, ...) with events\n"
                    "after T1 and up to T2: its type, id, name, its versions at T1 and T2, the\n"
                    "events in order, and each field of its state that differs (nested fields\n"
                    "dotted; `<absent>` where it had none). A moment is an ISO-8601 time (every\n"
                    "event recorded at or before it) or @N (events 1..N). Secrets such as\n"
                    "password hashes are never shown.\n\n" + ENV_NOTE_WRAPPED,
        epilog="examples:\n"
               "  skyledger diff 2026-11-25T10:00:00Z 2026-11-25T11:00:00Z\n"
               "  skyledger diff @1200 @1350 --json\n"
               "  skyledger diff 2026-11-25T10:00:00Z @1350 --type Instance")
    p.add_argument("t1", type=moment_arg, metavar="T1", help="the earlier moment (TIME or @N)")
    p.add_argument("t2", type=moment_arg, metavar="T2", help="the later moment (TIME or @N)")
    p.add_argument("--type", metavar="TYPE", action="append",
                   help="only aggregates of this type, e.g. Instance (repeatable)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: the two moments and the changes")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from projections.moments import UnknownMoment, utc

    if isinstance(args.t1, datetime) and isinstance(args.t2, datetime) and (
            utc(args.t2) < utc(args.t1)):
        return fail("diff", f"T2 ({args.t2.isoformat()}) is before T1 ({args.t1.isoformat()})")
    try:
        with open_cloud() as cloud:
            first, second = resolve(cloud.app, args.t1), resolve(cloud.app, args.t2)
            if second.position < first.position:
                return fail("diff", f"T2 ({second.label}) is before T1 ({first.label})")
            changes = collect(cloud.app, first, second, args)
    except UnknownMoment as error:
        return fail("diff", error)
    if args.json:
        print(json.dumps({"from": moment_dict(first), "to": moment_dict(second),
                          "changes": [c.as_dict() for c in changes]},
                         indent=2, sort_keys=True, default=str))
    else:
        print(render(first, second, changes))
    return 0


def collect(app: Any, first: Moment, second: Moment, args: argparse.Namespace) -> list[Change]:
    """Scan the log between the moments, then load each changed aggregate at both versions;
    each step with its progress on stderr (a day of a busy cloud is a long scan)."""
    from ops.progress import Progress
    from projections.aggregate_diff import describe, scan

    bar = None if args.quiet else Progress(second.position - first.position, "diff: scan")
    changes = scan(app, first.position, second.position, progress=bar)
    if bar is not None:
        bar.close()
    if args.type:
        changes = [c for c in changes if c.aggregate_type in args.type]
    bar = None if args.quiet else Progress(len(changes), "diff: load", unit="aggregates")
    for done, change in enumerate(changes, 1):
        describe(app, change)
        if bar is not None:
            bar(done)
    if bar is not None:
        bar.close()
    return changes


def moment_dict(moment: Moment) -> dict[str, Any]:
    return {"position": moment.position, "at": moment.at.isoformat() if moment.at else None}


def shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def render(first: Moment, second: Moment, changes: list[Change]) -> str:
    head = (f"from {first.label} to {second.label}: "
            f"{len(changes)} aggregate{'s' if len(changes) != 1 else ''} changed")
    if not changes:
        return head
    summary = format_table(
        ("TYPE", "ID", "NAME", "VERSIONS", "CHANGE", "EVENTS"),
        [(c.aggregate_type, c.aggregate_id, c.name, f"{c.version_before}->{c.version_after}",
          c.change, ", ".join(c.events)) for c in changes])
    blocks = []
    for c in changes:
        lines = [f"{c.aggregate_type} {c.aggregate_id}" + (f" ({c.name})" if c.name else "")
                 + f": {c.change}"]
        lines += [f"  {f['field']}: {shown(f['before'])} -> {shown(f['after'])}"
                  for f in c.fields]
        blocks.append("\n".join(lines))
    return "\n\n".join([head, summary, *blocks])

