"""The `skyledger` command line. Each subcommand lives in its own module under ops/commands."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from ops.commands import (
    audit,
    bench,
    compute,
    diff,
    network_agent,
    projections,
    queries,
    replay,
    serve,
    volume,
)

# Modules that each define `register(subparsers)`; the order is the order `--help` lists them.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    serve, compute, volume, network_agent, projections, audit, replay, diff, queries, bench,
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="skyledger",
        description="Event-sourced cloud manager. Configuration comes from SKYLEDGER_* "
                    "environment variables (see README.md).",
    )
    subparsers = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return root


def main(argv: list[str] | None = None) -> int:
    root = parser()
    # A command that hands its options on to a parser of its own (`bench`) takes what ours does
    # not know; for every other command an unknown option is the usual error.
    args, extra = root.parse_known_args(argv)
    if extra and not getattr(args, "passes_options_on", False):
        root.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
