"""Reaching into a named network namespace, through pyroute2 and through subprocesses.

`None` always means "the namespace this process runs in": production agents run in the host's
own namespace, tests pass the name of a namespace they created.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from pyroute2 import IPRoute

from domain.network.backends import NetworkError


def open_iproute(netns: str | None) -> IPRoute:
    """An rtnetlink socket inside `netns`. pyroute2 creates a missing namespace by default
    (flags=O_CREAT); flags=0 turns a misspelt name into an error instead of a new, empty
    namespace in which the adapter would then build a whole network nobody can reach."""
    if netns is None:
        return IPRoute()
    try:
        return IPRoute(netns=netns, flags=0)
    except FileNotFoundError as error:
        raise NetworkError(f"no network namespace named {netns!r}") from error


class KeptIPRoute:
    """An rtnetlink socket inside `netns`, opened on first use and kept until `close`: opening
    one inside a named namespace forks a helper process, which costs more than most calls."""

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        self._ipr: IPRoute | None = None

    def get(self) -> IPRoute:
        if self._ipr is None:
            self._ipr = open_iproute(self.netns)
        return self._ipr

    def close(self) -> None:
        if self._ipr is not None:
            self._ipr.close()
            self._ipr = None


def in_netns(netns: str | None, argv: Sequence[str]) -> list[str]:
    """`argv` prefixed so that it runs inside `netns`."""
    return [*argv] if netns is None else ["ip", "netns", "exec", netns, *argv]


def run_in(netns: str | None, argv: Sequence[str], stdin: str | None = None,
           timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run a tool inside `netns`; the caller looks at the return code."""
    return subprocess.run(in_netns(netns, argv), input=stdin, capture_output=True, text=True,
                          timeout=timeout, check=False)
