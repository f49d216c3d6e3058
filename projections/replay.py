"""Replays: every read model rebuilt as of a past moment, in a scratch space of its own.

A replay named NAME lives in the scratch space `replay-NAME` (projections/scratch.py): the
same tables the live read models have, so the same query classes read it, plus two of its own:
`replay_moment` (which moment it represents, and whether its build finished) and
`replay_hosts` (the capacity view as of that moment, which has no table of its own live).
Building one only reads the event log; the live read models are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from domain.app import SkyLedger
from projections.base import as_json, from_json
from projections.host_summary import CapacityAt, host_docs
from projections.moments import Moment
from projections.registry import all_projections
from projections.runner import runner_for
from projections.scratch import ScratchSpace, scratch_labels
from projections.servers import ServerViews
from projections.store import DatabaseLocation, ReadStore

PREFIX = "replay-"
MOMENT_DDL = ("CREATE TABLE IF NOT EXISTS replay_moment (name TEXT PRIMARY KEY,"
              " position BIGINT NOT NULL, at_time TEXT, head BIGINT NOT NULL,"
              " built_at TEXT NOT NULL, complete BOOLEAN NOT NULL)")
HOSTS_DDL = ("CREATE TABLE IF NOT EXISTS replay_hosts (seq BIGINT PRIMARY KEY,"
             " host TEXT NOT NULL, doc TEXT NOT NULL)")

Progress = Callable[[int, int], None]


class ReplayError(ValueError):
    """A replay that cannot be built, found or used; the message says why."""


@dataclass(frozen=True)
class ReplayInfo:
    name: str
    position: int
    at: str | None  # ISO-8601 UTC
    head: int  # the log's head when it was built
    built_at: str
    complete: bool
    where: str  # the file or schema holding it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def space(database: DatabaseLocation, name: str) -> ScratchSpace:
    try:
        return ScratchSpace(database, PREFIX + name)
    except ValueError:
        raise ReplayError(f"bad replay name {name!r}: use 1-{40 - len(PREFIX)} of a-z, 0-9, "
                          "'-' and '_', starting with a letter or digit") from None


def has_table(store: ReadStore, table: str) -> bool:
    if store.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        sql = ("SELECT table_name FROM information_schema.tables"
               " WHERE table_schema = current_schema() AND table_name = ?")
    return store.query_one(sql, (table,)) is not None


def _info(store: ReadStore, sp: ScratchSpace) -> ReplayInfo:
    row = store.query_one("SELECT * FROM replay_moment") if has_table(
        store, "replay_moment") else None
    if row is None:  # interrupted before it wrote anything
        return ReplayInfo(sp.label[len(PREFIX):], 0, None, 0, "", False, sp.where())
    return ReplayInfo(row["name"], int(row["position"]), row["at_time"], int(row["head"]),
                      row["built_at"], bool(row["complete"]), sp.where())


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def build(app: SkyLedger, database: DatabaseLocation, name: str, moment: Moment, down_after: float,
          progress: Progress | None = None, replace: bool = False) -> ReplayInfo:
    """Build every read model up to `moment.position` into `replay-NAME`."""
    sp = space(database, name)
    if sp.exists():
        if not replace:
            raise ReplayError(f"a replay named {name!r} already exists ({sp.where()}); query "
                              f"it with --replay {name}, or drop it first")
        sp.drop()
    store = sp.open()
    try:
        with store.transaction() as cur:
            cur.execute(MOMENT_DDL)
            cur.execute(HOSTS_DDL)
            cur.execute("INSERT INTO replay_moment (name, position, at_time, head, built_at,"
                        " complete) VALUES (?, ?, ?, ?, ?, ?)",
                        (name, moment.position, _iso(moment.at), moment.head,
                         _iso(datetime.now(UTC)), False))
        _build_projections(app, store, moment.position, progress)
        _build_hosts(app, store, moment, down_after)
        with store.transaction() as cur:
            cur.execute("UPDATE replay_moment SET complete = ?", (True,))
        info = _info(store, sp)
    except BaseException:
        # Interrupted or failed: keep nothing half-built. (A killed process leaves its space
        # marked incomplete instead: listed as such, refused by queries.)
        store.close()
        sp.drop()
        raise
    store.close()
    return info


def _build_projections(app: SkyLedger, store: ReadStore, position: int,
                       progress: Progress | None) -> None:
    projections = all_projections()
    total = position * len(projections)
    for index, projection in enumerate(projections):
        done_before = index * position

        def report(done: int, _head: int, done_before: int = done_before) -> None:
            if progress is not None:
                progress(done_before + done, total)

        runner_for(app, store, projection).catch_up(until=position, progress=report)
    if progress is not None:
        progress(total, total)


def _build_hosts(app: SkyLedger, store: ReadStore, moment: Moment, down_after: float) -> None:
    states = CapacityAt(app, moment.position, down_after).hosts()
    now = moment.at.timestamp() if moment.at else 0.0
    docs = host_docs(states, ServerViews(store).services(), now, down_after)
    with store.transaction() as cur:
        for seq, doc in enumerate(docs):
            cur.execute("INSERT INTO replay_hosts (seq, host, doc) VALUES (?, ?, ?)",
                        (seq, doc["host"], as_json(doc)))


def replays(database: DatabaseLocation) -> list[ReplayInfo]:
    found = []
    for label in scratch_labels(database, PREFIX):
        sp = ScratchSpace(database, label)
        store = sp.open()
        try:
            found.append(_info(store, sp))
        finally:
            store.close()
    return found


def open_replay(database: DatabaseLocation, name: str) -> tuple[ReadStore, ReplayInfo]:
    """The read store of a finished replay (close it after), and what it represents."""
    sp = space(database, name)
    if not sp.exists():
        raise ReplayError(f"no replay named {name!r} (`skyledger replay --list` lists them)")
    store = sp.open()
    info = _info(store, sp)
    if not info.complete:
        store.close()
        raise ReplayError(f"replay {name!r} is incomplete (its build was interrupted): drop it "
                          f"(`skyledger replay --drop {name}`) and build it again")
    return store, info


def replay_hosts(store: ReadStore) -> list[dict[str, Any]]:
    return [from_json(r["doc"]) for r in store.query("SELECT doc FROM replay_hosts ORDER BY seq")]


def drop(database: DatabaseLocation, name: str) -> ScratchSpace:
    sp = space(database, name)
    if not sp.exists():
        raise ReplayError(f"no replay named {name!r} (`skyledger replay --list` lists them)")
    sp.drop()
    return sp
