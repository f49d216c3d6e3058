"""`skyledger projections status|rebuild`: how far each read model has followed the event log,
and replaying one from event zero into a new copy that is then swapped in (projections/swap.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.settings import Settings
from ops.commands import Subparsers

if TYPE_CHECKING:
    from ops.bootstrap import Cloud
    from projections.runner import Progress as ProgressCallback

ENV_NOTE = ("The event store is the one $SKYLEDGER_DATABASE_URL names (default: the SQLite file "
            "in $SKYLEDGER_DATA_DIR).")
# The same, for help texts laid out by hand (RawDescriptionHelpFormatter).
ENV_NOTE_WRAPPED = ("The event store is the one $SKYLEDGER_DATABASE_URL names\n"
                    "(default: the SQLite file in $SKYLEDGER_DATA_DIR).")


def projection_names() -> list[str]:
    from projections.registry import all_projections

    return [p.name for p in all_projections()]


def register(subparsers: Subparsers) -> None:
    group = subparsers.add_parser(
        "projections", help="show or rebuild the read models (projections)",
        description="Read models (quota usage, flavors, identity, audit trail, ...) are built by "
                    "following the event log. `status` shows how far each has got; `rebuild` "
                    "replays one from event zero into a new copy, then swaps it in. " + ENV_NOTE)
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    register_status(actions)
    register_rebuild(actions)


def register_status(actions: Subparsers) -> None:
    p = actions.add_parser(
        "status", help="position, head and lag of every projection",
        description="For every projection: its tracking position (the last event it has "
                    "considered), the head of the event log, and the lag between them. "
                    "It applies nothing; lag shrinks as `serve` or a rebuild follows the log. "
                    + ENV_NOTE)
    p.add_argument("--json", action="store_true", help="print one JSON array instead of a table")
    p.set_defaults(run=run_status)


# `projections rebuild` exit status when another rebuild of a named projection is running.
EXIT_BUSY = 3
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT
# Test hook: with SKYLEDGER_REBUILD_PAUSE_AT=N, a rebuild stops once its copy has reached event
# position N (or the head of the log, if that comes first), says "rebuild NAME: paused at ..."
# on stderr and waits for its standard input to end, so that a test can interrupt or kill it at
# a known point in the middle of its work instead of racing the clock
# (tests/integration/test_cli_projections.py). Unset, as it always is outside tests: no effect.
# Read as Settings.rebuild_pause_at.
PAUSE_AT_VARIABLE = "SKYLEDGER_REBUILD_PAUSE_AT"


def register_rebuild(actions: Subparsers) -> None:
    names = projection_names()
    p = actions.add_parser(
        "rebuild", help="replay projections from event zero and swap them in",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Replay the whole event log into a new copy of each named projection,\n"
                    "beside the live one (a SQLite file under <data dir>/scratch/, or a\n"
                    "PostgreSQL schema <live>__rebuild_NAME), showing progress (events/s,\n"
                    "ETA) on stderr. Meanwhile `skyledger serve` and the workers keep\n"
                    "serving and following the live copy. When the copy has caught up, it\n"
                    "takes the projection's tracking lock, applies the last few events and\n"
                    "replaces the live tables in ONE transaction: readers see the old model\n"
                    "until the commit, then the new one, never an empty or partial one.\n"
                    "Interrupted (Ctrl-C) or failed, it leaves the live model untouched and\n"
                    "removes its copy.\n\n"
                    "--in-place empties the live tables and refills them instead (readers see\n"
                    "the model fill up again): for live tables too broken to keep serving, or\n"
                    "no room for a second copy.\n\n"
                    "One rebuild of a projection at a time: a second one of the same\n"
                    f"projection stops at once with exit status {EXIT_BUSY} (the others named\n"
                    "still run).\n\n"
                    f"Exit status: 0 done, 2 bad arguments, {EXIT_BUSY} another rebuild of a\n"
                    f"named projection was running, {EXIT_INTERRUPTED} interrupted.\n\n"
                    + ENV_NOTE_WRAPPED,
        epilog="examples:\n  skyledger projections rebuild audit\n"
               "  skyledger projections rebuild --all\n"
               "  skyledger projections rebuild --in-place servers\n\n"
               "projections: " + ", ".join(names))
    p.add_argument("names", nargs="*", metavar="NAME", help="projection to rebuild (repeatable)")
    p.add_argument("--all", action="store_true", help="rebuild every projection")
    p.add_argument("--in-place", action="store_true",
                   help="empty the live tables and refill them (no copy, no swap)")
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
    """Plain aligned columns, the way `openstack ... -f table` reads without the box lines.

    Not rich's Table: piped (CI, `| grep`, `| awk`) rich lays a table out for an 80-column
    console, cutting or wrapping cells (ids, times) over several lines, with box glyphs; these
    tables are read by scripts too and must keep every cell whole on its row."""
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
    with open_cloud() as cloud:
        names = chosen(args, list(cloud.runners))
        if names is None:
            return 2
        status = 0
        for name in names:
            try:
                if not rebuild_one(cloud, name, args):
                    status = EXIT_BUSY
            except KeyboardInterrupt:
                state = ("partly rebuilt in place (the followers finish it)" if args.in_place
                         else "untouched (its new copy was removed)")
                print(f"skyledger projections rebuild: interrupted; {name} is {state}",
                      file=sys.stderr)
                return EXIT_INTERRUPTED
    return status


def rebuild_one(cloud: Cloud, name: str, args: argparse.Namespace) -> bool:
    """Rebuild one projection; False (after saying why) if another rebuild of it runs."""
    from adapters.persistence import Database
    from ops.progress import Progress
    from projections.rebuild_guard import RebuildRunning
    from projections.swap import ShadowRebuild

    runner = cloud.runners[name]
    batch_size = max(1, args.batch_size)
    started = time.monotonic()
    bar = None if args.quiet else Progress(cloud.app.head(), f"rebuild {name}")
    progress = paused_for_tests(name, bar, cloud.settings.rebuild_pause_at)
    try:
        if args.in_place:
            runner.batch_size = batch_size
            position = runner.rebuild(progress=progress)
            how = ""
        else:
            rebuild = ShadowRebuild(cloud.app, cloud.store, Database(cloud.settings.database_url),
                                    runner.projection, batch_size)
            result = rebuild.run(progress=progress)
            position = result.position
            how = (f", swapped in after {result.tail} more events "
                   f"(live lock held {result.swap_seconds:.2f} s)")
    except RebuildRunning as busy:
        print(f"skyledger projections rebuild: {busy}; {name} skipped", file=sys.stderr)
        return False
    finally:
        if bar is not None and bar.done:  # drew something: end with the state reached
            bar.close()
    print(f"{name}: rebuilt to position {position} of {cloud.app.head()} "
          f"in {time.monotonic() - started:.2f} s{how}", flush=True)
    return True


def paused_for_tests(name: str, progress: ProgressCallback | None,
                     pause_at: int | None) -> ProgressCallback | None:
    """`progress`, made to pause once at `pause_at` (see PAUSE_AT_VARIABLE); `progress` itself
    when the variable is unset."""
    if pause_at is None:
        return progress
    paused = False

    def pausing(done: int, total: int) -> None:
        nonlocal paused
        if progress is not None:
            progress(done, total)
        if not paused and done >= min(pause_at, total):
            paused = True
            print(f"rebuild {name}: paused at event {done} of {total} ({PAUSE_AT_VARIABLE})",
                  file=sys.stderr, flush=True)
            sys.stdin.read()  # until end of file; a Ctrl-C raises KeyboardInterrupt in here

    return pausing
