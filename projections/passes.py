"""One pass over the event log for many read models at once.

A round of the follower thread used to run each projection on its own: a read of its position,
a read of the log filtered by its topics, and a write transaction, for each of ten read models.
Under load (a request waiting on every round) those transactions were most of the work and, on
SQLite, each one took the file lock that the event store's next save needed as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from domain.log_follower import read_batch
from projections.store import ReadCursor, ReadStore, is_unavailable, patient_tracking_lock

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner


def catch_up_together(runners: list[ProjectionRunner], head: int,
                      advance_idle: bool = True) -> None:
    """Bring runners of ONE event store and ONE read store up to `head` together: each batch of
    the log is read once (the union of their topics), decoded once, and applied to every read
    model in ONE read-store transaction, instead of a read and a transaction per read model.

    Exactly once as in `run_batch`: each position is read again under its lock inside the
    transaction (rows locked in name order, so two processes' passes cannot deadlock), and only
    notifications past it are applied. A runner whose locked position is below what this pass
    read (rewound by a rebuild meanwhile) or already at the batch's end (another process got
    there) is left alone. If the shared transaction fails, every runner is caught up on its
    own, so that one broken read model does not hold the others back (its error is raised).
    """
    if not runners:
        return
    app, store = runners[0].app, runners[0].store
    names = [r.projection.name for r in runners]
    positions = _positions(store, names)
    behind = [r for r in runners if positions[r.projection.name] < head]
    if not behind:
        return
    low = min(positions[r.projection.name] for r in behind)
    limit = min(r.batch_size for r in behind)
    everything = any(not r.topics for r in behind)
    topics = [] if everything else sorted({t for r in behind for t in r.topics})
    try:
        while low < head:
            notifications, end, _ = read_batch(app, low, head, topics, limit)
            due = [r for r in behind if _relevant(r, notifications, positions)]
            if due or advance_idle:
                _apply_together(behind, notifications, low, end)
            low = end
    except Exception as error:  # noqa: BLE001 - retried below, one read model at a time
        if is_unavailable(error):
            raise  # the database is out of reach: one at a time would wait that out N times
        _catch_up_each(behind, head, advance_idle)


def _positions(store: ReadStore, names: list[str]) -> dict[str, int]:
    marks = ", ".join("?" for _ in names)
    rows = store.query(f"SELECT name, position FROM projection_positions WHERE name IN ({marks})",
                       names)
    found = {row["name"]: int(row["position"]) for row in rows}
    return {name: found.get(name, 0) for name in names}


def _relevant(runner: ProjectionRunner, notifications: Sequence[Any],
              positions: dict[str, int]) -> bool:
    after = positions[runner.projection.name]
    return any(n.id > after and runner.follows(n.topic) for n in notifications)


def _apply_together(runners: list[ProjectionRunner], notifications: Sequence[Any], low: int,
                    end: int) -> None:
    app, store = runners[0].app, runners[0].store
    decoded: dict[int, Any] = {}
    with store.transaction() as cur:
        locked = _locked_positions(cur, store, [r.projection.name for r in runners])
        moved = []
        for runner in runners:
            position = locked[runner.projection.name]
            if position < low or position >= end:
                continue  # rewound meanwhile (a later pass reads from there), or done already
            for notification in notifications:
                if notification.id > position and runner.follows(notification.topic):
                    event = decoded.get(notification.id)
                    if event is None:
                        event = decoded[notification.id] = app.mapper.to_domain_event(
                            notification)
                    runner.projection.apply(cur, event, notification.id)
            moved.append(runner.projection.name)
        if moved:
            marks = ", ".join("?" for _ in moved)
            cur.execute(f"UPDATE projection_positions SET position = ? WHERE name IN ({marks})",
                        (end, *moved))


def _locked_positions(cur: ReadCursor, store: ReadStore, names: list[str]) -> dict[str, int]:
    marks = ", ".join("?" for _ in names)
    lock = " ORDER BY name FOR UPDATE" if patient_tracking_lock(cur, store) else ""
    rows = cur.execute(f"SELECT name, position FROM projection_positions WHERE name IN ({marks})"
                       + lock, names).rows()
    found = {row["name"]: int(row["position"]) for row in rows}
    return {name: found.get(name, 0) for name in names}


def _catch_up_each(runners: list[ProjectionRunner], head: int, advance_idle: bool) -> None:
    """Each runner alone; raises the first error after every runner has had its turn."""
    first: Exception | None = None
    for runner in runners:
        try:
            runner.catch_up(head, advance_idle=advance_idle)
        except Exception as error:  # noqa: BLE001 - the others still get their turn
            first = first or error
    if first is not None:
        raise first
