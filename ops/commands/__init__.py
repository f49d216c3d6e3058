"""The `skyledger` subcommands: each module's `register` adds its parsers to the CLI's."""

import argparse
from typing import TypeAlias

# What `ArgumentParser.add_subparsers()` returns (argparse does not name the type publicly).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
