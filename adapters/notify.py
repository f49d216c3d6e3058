"""Waking a log follower when events commit: a LISTEN on the channel eventsourcing's PostgreSQL
recorder NOTIFYs in every insert. SQLite cannot push in eventsourcing 9.5: there the follower
keeps polling.

eventsourcing 9.5's `recorder.subscribe()` would do the LISTEN too, but it also pulls and queues
every notification for its own iterator; followers read the log themselves (the read models
inside their locked transactions), so only the wake-up is wanted here.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, TypeVar

from domain.log_follower import LogFollower

Follower = TypeVar("Follower", bound=LogFollower)


class NotifyListener:
    def __init__(self, recorder: Any, follower: LogFollower) -> None:
        self.recorder = recorder
        self.follower = follower
        self.channel = getattr(recorder, "channel_name", None)
        self.active = threading.Event()

    @property
    def supported(self) -> bool:
        return self.channel is not None and hasattr(self.recorder, "datastore")

    def run(self) -> None:
        while not self.follower.stopped:
            try:
                self._listen()
            except Exception as error:  # noqa: BLE001 - fall back to polling, then try again
                self.follower.record(error)
            self.active.clear()
            self.follower.wake()
            self.follower.rest(1.0)

    def _listen(self) -> None:
        from psycopg.sql import SQL, Identifier

        with self.recorder.datastore.get_connection() as conn:
            conn.execute(SQL("LISTEN {0}").format(Identifier(str(self.channel))))
            try:
                self.active.set()
                # Whatever committed before LISTEN took effect sent its NOTIFY to nobody.
                self.follower.wake()
                while not self.follower.stopped:
                    # A short timeout so that stop() is noticed promptly.
                    for _ in conn.notifies(timeout=0.25, stop_after=1):
                        self.follower.wake()
            finally:
                # The connection goes back to eventsourcing's pool: leave it as it was lent.
                with contextlib.suppress(Exception):
                    conn.execute("UNLISTEN *")


def woken_by_notify(follower: Follower) -> Follower:
    """`follower`, with a LISTEN that wakes it when its event store can NOTIFY (PostgreSQL)."""
    app = getattr(follower, "app", None)  # None: a follower of nothing (no read models)
    listener = NotifyListener(getattr(app, "recorder", None), follower)
    if listener.supported:
        follower.listener = listener
    return follower
