"""Every event records who and why: the context bound by the caller ends up in `meta`."""

from __future__ import annotations

from domain.app import SkyLedger
from domain.context import RequestContext, bound
from domain.identity.project import Project


def test_events_carry_the_bound_context() -> None:
    ctx = RequestContext(user_id="u1", project_id="p1", request_id="req-abc")
    with bound(ctx):
        project = Project("demo", "default", "", True)
        project.update({"description": "changed"})
    events = project.collect_events()
    assert [e.meta for e in events] == [
        {"user_id": "u1", "project_id": "p1", "request_id": "req-abc"}] * 2


def test_meta_survives_the_event_store() -> None:
    app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    with bound(RequestContext(user_id="u2", project_id="p2", request_id="req-xyz")):
        project = Project("demo", "default", "", True)
    app.save(project)
    [notification] = app.notification_log.select(1, 1)
    event = app.mapper.to_domain_event(notification)
    assert event.meta["request_id"] == "req-xyz" and event.meta["user_id"] == "u2"
