"""`skyledger replay`: every read model as of a past moment, in a scratch space beside the live
ones, for `servers`, `hosts` and `quotas --replay NAME` to query."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from ops.commands import Subparsers
from ops.commands.audit import iso_time
from ops.commands.projections import ENV_NOTE_WRAPPED, format_table, open_cloud

if TYPE_CHECKING:
    from adapters.persistence import Database
    from domain.app import SkyLedger
    from ops.bootstrap import Cloud
    from projections.moments import Moment

MomentArg = int | datetime  # a position ("@N" / --position N) or a time


def moment_arg(text: str) -> MomentArg:
    """A moment on the command line: `@N` (position N) or an ISO-8601 time (UTC unless an
    offset is given)."""
    if text.startswith("@"):
        if not text[1:].isdigit():
            raise argparse.ArgumentTypeError(f"not a position: {text!r} (e.g. @1200)")
        return int(text[1:])
    return iso_time(text)


def position_arg(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a position (0 or more): {text!r}")
    return int(text)


def resolve(app: SkyLedger, moment: MomentArg) -> Moment:
    """The position (and time) a moment stands for; UnknownMoment past the log's head."""
    from projections.moments import at_position, position_at

    return at_position(app, moment) if isinstance(moment, int) else position_at(app, moment)


def fail(command: str, message: object) -> int:
    print(f"skyledger {command}: {message}", file=sys.stderr)
    return 2


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "replay", help="rebuild every read model as of a past moment, to query it",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Rebuild every read model (servers, quotas, identity, audit, ...) and the\n"
                    "host capacity view as they were at a past moment, into a scratch space of\n"
                    "its own (a SQLite file under <data dir>/scratch/, or a PostgreSQL schema\n"
                    "beside the live one). The live read models are not touched. Query it with\n"
                    "`skyledger servers|hosts|quotas --replay NAME`.\n\n"
                    "--at T takes every event recorded at or before T (a time before the first\n"
                    "event gives an empty cloud, one after the last the present).\n\n"
                    + ENV_NOTE_WRAPPED,
        epilog="examples:\n"
               "  skyledger replay --at 2026-11-25T10:00:00Z --name before-upgrade\n"
               "  skyledger servers --replay before-upgrade --project demo\n"
               "  skyledger replay --position 1200          (named pos-1200)\n"
               "  skyledger replay --list\n"
               "  skyledger replay --drop before-upgrade")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--at", type=iso_time, metavar="TIME",
                      help="the moment as an ISO-8601 time (UTC unless an offset is given)")
    what.add_argument("--position", type=position_arg, metavar="N",
                      help="the moment as a position in the event log (events 1..N)")
    what.add_argument("--list", action="store_true", help="list the replays there are")
    what.add_argument("--drop", metavar="NAME", help="delete a replay")
    p.add_argument("--name", metavar="NAME",
                   help="name of the new replay (default: at-YYYYMMDD-HHMMSS or pos-N)")
    p.add_argument("--replace", action="store_true",
                   help="drop an existing replay of the same name first")
    p.add_argument("--json", action="store_true", help="--list as one JSON array")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(run=run)


def default_name(args: argparse.Namespace) -> str:
    if args.at is not None:
        from projections.moments import utc

        return "at-" + utc(args.at).strftime("%Y%m%d-%H%M%S")
    return f"pos-{args.position}"


def run(args: argparse.Namespace) -> int:
    from adapters.persistence import Database
    from projections.moments import UnknownMoment
    from projections.replay import ReplayError

    try:
        with open_cloud() as cloud:
            database = Database(cloud.settings.database_url)
            if args.list:
                return show_list(database, args.json)
            if args.drop is not None:
                from projections import replay

                print(f"dropped replay {args.drop} ({replay.drop(database, args.drop).where()})")
                return 0
            return build(cloud, database, args)
    except (ReplayError, UnknownMoment) as error:
        return fail("replay", error)
    except KeyboardInterrupt:
        fail("replay", "interrupted; the partly built replay was removed")
        return 130


def build(cloud: Cloud, database: Database, args: argparse.Namespace) -> int:
    from ops.progress import Progress
    from projections import replay

    moment = resolve(cloud.app, args.at if args.at is not None else args.position)
    name = args.name or default_name(args)
    replay.space(database, name)  # a bad name fails before the work
    if args.at is not None and moment.position == 0:
        print(f"note: {args.at.isoformat()} is before the first event: the replay is empty",
              file=sys.stderr)
    elif args.at is not None and moment.position == moment.head:
        print(f"note: {args.at.isoformat()} is at or after the last event: the replay is the "
              "present", file=sys.stderr)
    # Each read model follows the log on its own: the bar counts events times models.
    bar = None if args.quiet else Progress(0, f"replay {name}", unit="model-events")
    info = replay.build(cloud.app, database, name, moment, cloud.settings.service_down_time,
                        progress=bar, replace=args.replace)
    if bar is not None:
        bar.close()
    print(f"replay {info.name}: position {info.position} of {moment.head}"
          f" (as of {info.at or 'the beginning'}) in {info.where}")
    print(f"query it with: skyledger servers --replay {info.name}   (or hosts, quotas)")
    return 0


def show_list(database: Database, as_json: bool) -> int:
    from projections.replay import replays

    found = replays(database)
    if as_json:
        print(json.dumps([r.as_dict() for r in found], indent=2))
    else:
        print(format_table(("NAME", "POSITION", "AS OF", "HEAD THEN", "BUILT", "STATE", "WHERE"),
                           [(r.name, r.position, r.at, r.head, r.built_at,
                             "ready" if r.complete else "incomplete", r.where) for r in found]))
    return 0

