"""`skyledger projections status|rebuild`: how far each read model has followed the event log,
and replaying one from event zero."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.settings import Settings

if TYPE_CHECKING:
    from ops.bootstrap import Cloud

ENV_NOTE = ("The event store is the one $SKYLEDGER_DATABASE_URL names (default: the SQLite file "
            "in $SKYLEDGER_DATA_DIR).")
# The same, for help texts laid out by hand (RawDescriptionHelpFormatter).
ENV_NOTE_WRAPPED = ("The event store is the one $SKYLEDGER_DATABASE_URL names\n"
                    "(default: the SQLite file in $SKYLEDGER_DATA_DIR).")


def projection_names() -> list[str]:
    from projections.registry import all_projections

    return [p.name for p in all_projections()]


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "projections", help="show or rebuild the read models (projections)",
        description="Read models (quota usage, flavors, identity, audit trail, ...) are built by "
                    "following the event log. `status` shows how far each has got; `rebuild` "
                    "replays one from event zero. " + ENV_NOTE)
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    register_status(actions)
    register_rebuild(actions)


def register_status(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser(
        "status", help="position, head and lag of every projection",
        description="For every projection: its tracking position (the last event it has "
                    "considered), the head of the event log, and the lag between them. "
                    "It applies nothing; lag shrinks as `serve` or a rebuild follows the log. "
                    + ENV_NOTE)
    p.add_argument("--json", action="store_true", help="print one JSON array instead of a table")
    p.set_defaults(run=run_status)


def register_rebuild(actions: argparse._SubParsersAction) -> None:
    names = projection_names()
    p = actions.add_parser(
        "rebuild", help="drop projections and replay them from event zero",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Drop each named projection's tables, create them again and replay the\n"
                    "whole event log into them, showing progress on stderr.\n\n"
                    "Safe while `skyledger serve` or workers follow the same store: the reset\n"
                    "and every batch hold the projection's tracking lock, so no event is applied\n"
                    "twice. Readers see the model fill up again until the rebuild reaches the\n"
                    "head.\n\n" + ENV_NOTE_WRAPPED,
        epilog="examples:\n  skyledger projections rebuild audit\n"
               "  skyledger projections rebuild --all\n\nprojections: " + ", ".join(names))
    p.add_argument("names", nargs="*", metavar="NAME", help="projection to rebuild (repeatable)")
    p.add_argument("--all", action="store_true", help="rebuild every projection")
    p.add_argument("--batch-size", type=int, default=500, metavar="N",
                   help="events applied per transaction (default 500)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(run=run_rebuild)


@contextmanager
def open_cloud() -> Iterator[Cloud]:
    """The composed cloud from SKYLEDGER_* settings, without background followers."""
    from ops.bootstrap import build

    cloud = build(Settings.from_env(), follow=False)
    try:
        yield cloud
    finally:
        cloud.close()


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain aligned columns, the way `openstack ... -f table` reads without the box lines."""
    cells = [[str("-" if v is None else v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [list(headers), ["-" * w for w in widths], *cells]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


def run_status(args: argparse.Namespace) -> int:
    with open_cloud() as cloud:
        head = cloud.app.head()
        statuses = [runner.status(head) for runner in cloud.runners.values()]
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], indent=2))
    else:
        print(format_table(("NAME", "POSITION", "HEAD", "LAG"),
                           [(s.name, s.position, s.head, s.lag) for s in statuses]))
    return 0


def chosen(args: argparse.Namespace, known: list[str]) -> list[str] | None:
    """The projections to rebuild, in registry order, or None after explaining the mistake."""
    unknown = [n for n in args.names if n not in known]
    if args.all == bool(args.names) or unknown:
        problem = (f"unknown projection(s): {', '.join(unknown)}" if unknown
                   else "name projections to rebuild, or --all (not both)")
        print(f"skyledger projections rebuild: {problem}; known: {', '.join(known)}",
              file=sys.stderr)
        return None
    return [n for n in known if args.all or n in args.names]


def run_rebuild(args: argparse.Namespace) -> int:
    from ops.progress import Progress

    with open_cloud() as cloud:
        names = chosen(args, list(cloud.runners))
        if names is None:
            return 2
        for name in names:
            runner = cloud.runners[name]
            runner.batch_size = max(1, args.batch_size)
            started = time.monotonic()
            bar = None if args.quiet else Progress(cloud.app.head(), f"rebuild {name}")
            position = runner.rebuild(progress=bar)
            if bar is not None:
                bar.update(position, max(bar.total, position))
                bar.close()
            print(f"{name}: rebuilt to position {position} of {cloud.app.head()} "
                  f"in {time.monotonic() - started:.2f} s", flush=True)
    return 0
