"""`skyledger bench`: the benchmark suite (bench/suite.py), the same as `python -m bench`."""

from __future__ import annotations

import argparse

from ops.commands import Subparsers


def register(subparsers: Subparsers) -> None:
    # The suite parses its own options (and answers --help itself), so that `skyledger bench`
    # and `python -m bench` can never drift apart.
    p = subparsers.add_parser(
        "bench", add_help=False, help="run every benchmark in bench/ and print one table",
        description="Run every benchmark and print one table (see `skyledger bench --help`).")
    p.set_defaults(run=run, passes_options_on=True)


def run(args: argparse.Namespace) -> int:
    from bench.suite import main

    return main(args.extra, prog="skyledger bench")
