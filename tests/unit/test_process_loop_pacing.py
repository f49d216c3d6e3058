"""A process manager's look at the log while a LISTEN wakes it (domain/process/loop.py). The
log, its listener and the position store are fakes: this is the loop's own decision, with no
I/O."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import Notification

from domain.process.loop import FollowerLoop


@dataclass
class FakeLog:
    notifications: list[Notification] = field(default_factory=list)
    heads_read: int = 0

    def head(self) -> int:
        self.heads_read += 1
        return self.notifications[-1].id if self.notifications else 0

    def append(self, topic: str) -> None:
        self.notifications.append(Notification(uuid4(), 1, topic, b"", len(self.notifications) + 1))

    # app.recorder and app.mapper are this log too
    @property
    def recorder(self) -> FakeLog:
        return self

    @property
    def mapper(self) -> FakeLog:
        return self

    def select_notifications(self, start: int, limit: int, stop: int | None = None,
                             topics: Any = ()) -> list[Notification]:
        return [n for n in self.notifications
                if n.id >= start and (stop is None or n.id <= stop)
                and (not topics or n.topic in topics)][:limit]

    def to_domain_event(self, notification: Notification) -> Notification:
        return notification


@dataclass
class Saved:
    saves: list[int] = field(default_factory=list)

    def save(self, name: str, position: int) -> None:
        self.saves.append(position)

    def get(self, name: str) -> int:
        return self.saves[-1] if self.saves else 0


@dataclass(frozen=True)
class Config:
    poll_interval: float = 0.2
    batch_size: int = 100
    position_name: str = "test"


class Listener:
    def __init__(self) -> None:
        self.active = threading.Event()
        self.active.set()

    def run(self) -> None:  # pragma: no cover - never started here
        pass


class Loop(FollowerLoop):
    """Acts on events whose topic is "ours"."""

    def __init__(self, log: FakeLog) -> None:
        super().__init__()
        self.app = log  # type: ignore[assignment]
        self.saved = Saved()
        self.positions, self.position, self.config = self.saved, 0, Config()
        self.topics, self.host = (), "h1"
        self.listener = self.waker = Listener()
        self.listen_safety = 1e9  # the safety net's look never comes due in a test

    def handle(self, event: Any) -> bool:
        return bool(event.topic == "ours")


def test_a_pass_nothing_woke_does_not_look_at_the_head_while_listening() -> None:
    log = FakeLog()
    loop = Loop(log)
    loop.follow_log()  # the first pass looks
    assert log.heads_read == 1
    loop.woken = False
    loop.follow_log()
    assert log.heads_read == 1
    loop.woken = True  # a NOTIFY
    log.append("ours")
    assert loop.follow_log() == 1
    assert log.heads_read == 2  # the look only: its batch reached the head


def test_a_full_batch_looks_again_and_polling_checks_that_it_reached_the_head() -> None:
    log = FakeLog()
    for _ in range(150):
        log.append("theirs")
    loop = Loop(log)
    loop.follow_log()  # a full batch of 100 stops short of the head: look again, read the rest
    assert (loop.position, log.heads_read) == (150, 2)
    log.append("ours")
    loop.waker.active.clear()  # no LISTEN: nothing would wake us for what comes next
    assert loop.follow_log() == 1
    assert (loop.position, log.heads_read) == (151, 4)  # the look, and its check


def test_head_poll_setting_polling_or_a_failed_look_look_every_pass() -> None:
    log = FakeLog()
    loop = Loop(log)
    loop.follow_log()
    loop.woken = False
    loop.head_poll = True
    loop.follow_log()
    assert log.heads_read == 2
    loop.head_poll = False
    loop.waker.active.clear()  # the LISTEN connection dropped: polling meanwhile
    loop.follow_log()
    assert log.heads_read == 3
    loop.waker.active.set()
    loop._looked_at = None  # a look that raised
    loop.follow_log()
    assert log.heads_read == 4



def test_a_batch_of_none_of_ours_is_saved_only_with_ours_or_when_due() -> None:
    log = FakeLog()
    loop = Loop(log)
    loop.topics = ("ours", "idle")  # a topic of ours that needs no action
    log.append("ours")
    assert loop.follow_log() == 1
    assert loop.saved.saves == [1]  # after the act, which was the batch's end
    for _ in range(3):  # three commits of others' events, each a wake-up
        log.append("theirs")
        loop.follow_log()
    assert (loop.position, loop.saved.saves) == (4, [1])  # ahead in memory only
    log.append("theirs")
    log.append("idle")  # a batch holding one of ours saves its end, the lead with it
    assert loop.follow_log() == 0
    assert loop.saved.saves == [1, 6]
    log.append("theirs")
    loop.follow_log()
    loop.lead_save_interval = 0.0  # due: a look that finds nothing new saves the lead
    loop.follow_log()
    assert loop.saved.saves == [1, 6, 7]
    log.append("theirs")  # and so does the end of a batch of others' events
    loop.follow_log()
    assert loop.saved.saves == [1, 6, 7, 8]
