"""The loop every process manager runs: follow, act, reconcile until stopped.

Subclasses provide `handle(event)`, `run_once()` (one pass), `app`, `host`, `topics`,
`positions` (a PositionStore), `position`, `config` (poll_interval, batch_size, position_name)
and `role` (for logs). The loop itself, its wake-ups and its back-off are the one log follower's
(domain/log_follower.py): a failed pass (a database or hypervisor outage) is logged and retried
from the same tracked position after a growing pause, so nothing is ever skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, cast

from domain.base import Entity
from domain.log_follower import LogFollower, read_batch
from domain.process.backends import PositionStore

log = logging.getLogger(__name__)


class FollowerLoop(LogFollower):
    host: str
    config: Any
    positions: PositionStore
    position: int
    topics: Sequence[str]
    role = "process manager"
    # While a LISTEN is active (PostgreSQL), a pass that nothing woke does the timed duties of
    # run_once but looks at the log's head only every `listen_safety` seconds, a safety net as
    # the read models' follower has: every commit of events sends a NOTIFY, which wakes the
    # loop. `head_poll` (SKYLEDGER_PROCESS_HEAD_POLL) looks at the head on every pass, as before.
    head_poll: bool = False
    listen_safety: float = 5.0
    _looked_at: float | None = None
    # A batch that held no notification of `topics` (the log's events were all others') moves
    # the position in memory only: there is nothing in it to redo, so a restart from the saved
    # position re-reads an empty span. That lead is saved with the next batch that holds one of
    # ours, or once `lead_save_interval` seconds passed since the last save: at a batch's end,
    # or by a look that finds nothing new (while listening, one comes every `listen_safety`
    # seconds at the latest). The three workers of a server saved their positions at every
    # commit of anyone's: about ten transactions per boot (bench/README.md, lever 8).
    lead_save_interval: float = 5.0
    _saved: int | None = None  # the position this loop last saved (None: not yet)
    _saved_at: float = 0.0

    @property
    def poll_interval(self) -> float:  # type: ignore[override]
        return float(self.config.poll_interval)

    @property
    def listen_interval(self) -> float:  # type: ignore[override]
        """A LISTEN only wakes a process manager early: it keeps looking at its poll interval."""
        return self.poll_interval

    # -- following the log ---------------------------------------------------------------------
    def follow_log(self) -> int:
        """The loop's look at the log: `catch_up`, unless a LISTEN is active, nothing woke this
        pass, the last look succeeded and was less than `listen_safety` seconds ago."""
        now = time.monotonic()
        if (not self.head_poll and self.listening and not self.woken
                and self._looked_at is not None and now - self._looked_at < self.listen_safety):
            return 0
        self._looked_at = None  # until this look succeeds
        acted = self.catch_up()
        self._looked_at = now
        return acted

    def catch_up(self) -> int:
        """Act on every notification of `topics` up to the head; returns how many needed
        action. The position is saved right after an event that needed action (its outcome is
        recorded by then), else once per batch that held one of ours (see `lead_save_interval`
        for the others).

        While a LISTEN is active, a batch that reached the head ends the look: looking at the head
        again would only find what was committed since, and every such commit sends a NOTIFY after
        this pass cleared its wake-up, so the next pass starts at once and finds it (one
        `SELECT MAX` less per pass: two per wake-up were a boot's most frequent statement)."""
        acted = 0
        while not self.stopped:
            head = self.app.head()
            if self.position >= head:
                if self.position != self._saved and self._lead_due():
                    self._advance(self.position)  # the lead of batches that held none of ours
                break
            batch = read_batch(self.app, self.position, head, self.topics,
                               self.config.batch_size)
            self.begin_batch()
            for notification in batch.notifications:
                if self.stopped:
                    return acted
                # Every aggregate of ours is an Entity, so every event in the log is its Event.
                event = cast(Entity.Event, self.app.mapper.to_domain_event(notification))
                if self.handle(event):
                    acted += 1
                    self._advance(notification.id)
                else:
                    self.position = notification.id  # nothing to redo: saved with the batch
            if batch.end != self._saved and (batch.notifications or self._lead_due()):
                self._advance(batch.end)
            else:  # saved after its last event's act already, or none of ours in it
                self.position = batch.end
            if not batch.full and self.listening:
                break
        return acted

    def _lead_due(self) -> bool:
        return time.monotonic() - self._saved_at >= self.lead_save_interval

    def _advance(self, position: int) -> None:
        self.positions.save(self.config.position_name, position)
        self.position = self._saved = position
        self._saved_at = time.monotonic()

    def begin_batch(self) -> None:
        """A batch was just selected and its events are about to be handled: state read from
        now on is at least as new as every event in it (the network agent plans once here)."""

    def handle(self, event: Entity.Event) -> bool:
        """Act on one event if it concerns this host; True when it needed action."""
        raise NotImplementedError

    def failed(self, error: Exception, failures: int) -> None:
        log.error("host %s: %s pass failed (%d in a row)", self.host, self.role, failures,
                  exc_info=error)

    def record(self, error: BaseException) -> None:
        log.warning("host %s: LISTEN failed, polling meanwhile: %s", self.host, error)
