"""Which Tempest tests a run takes: the API tests of the five services, some of them, a regex, or
a list of test names (the interop guideline's lists, the ratchet).

Lists name tests without the `[id-...,tags]` suffix that `tempest run --load-list` needs; they
are expanded against `tempest run --list-tests`. A name that matches no test is reported, never
silently dropped: a listed test that disappeared must be looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ops.tempest.results import SERVICES, name_of


@dataclass
class Selection:
    ids: list[str]
    unknown: list[str] = field(default_factory=list)


def api_tests(all_ids: Iterable[str], services: Iterable[str] = SERVICES) -> list[str]:
    wanted = tuple(f"tempest.api.{s}." for s in services)
    return [t for t in all_ids if t.startswith(wanted)]


def by_regex(all_ids: Iterable[str], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [t for t in all_ids if regex.search(t)]


def read_names(path: Path) -> list[str]:
    """One test name a line; blank lines and `#` comments ignored; any [id-...] suffix dropped."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(name_of(line))
    return names


def by_names(all_ids: Iterable[str], names: Iterable[str]) -> Selection:
    index = {name_of(t): t for t in all_ids}
    wanted = list(dict.fromkeys(names))
    return Selection(ids=[index[n] for n in wanted if n in index],
                     unknown=[n for n in wanted if n not in index])


def interop(all_ids: Iterable[str], required: Path, flagged: Path | None) -> Selection:
    """The guideline's required tests less the ones it flagged as optional."""
    skip = set(read_names(flagged)) if flagged and flagged.exists() else set()
    return by_names(all_ids, [n for n in read_names(required) if n not in skip])
