"""The side-effect recorder (domain/process/effects.py): records only while a recording is open,
per thread, and into the meta of the events a command saves with the recording's context."""

from __future__ import annotations

import threading

from domain.base import Entity
from domain.context import RequestContext, bound
from domain.process.effects import record, recorded, recording

CTX = RequestContext(user_id="compute:h1", project_id="p1", request_id="req-1")


class Thing(Entity):
    def __init__(self, name: str) -> None:
        self.name = name


def test_records_only_inside_a_recording_and_into_the_events_made_there() -> None:
    record("libvirt", "defineXML", "nobody-listens")  # no recording open: dropped
    with recording(CTX) as traced:
        record("libvirt", "create", "d0")
        # Only events made under the traced context (a command binds it) carry the records.
        assert "effects" not in Thing("unbound").collect_events()[0].meta
        traced.effects.clear()
        with bound(traced):
            assert "effects" not in Thing("nothing-yet").collect_events()[0].meta
            record("libvirt", "defineXML", "d1", size=None, bytes=10)
            record("pyroute2", "link add", "brq5", kind="bridge")
            meta = Thing("after").collect_events()[0].meta
    assert meta == {**CTX.as_meta(), "effects": [
        {"system": "libvirt", "action": "defineXML", "target": "d1", "bytes": "10"},
        {"system": "pyroute2", "action": "link add", "target": "brq5", "kind": "bridge"}]}
    assert recorded(meta) == meta["effects"] and recorded({}) == [] and recorded(None) == []
    assert (traced.user_id, traced.project_id, traced.request_id, traced.roles) == (
        CTX.user_id, CTX.project_id, CTX.request_id, CTX.roles)  # the same who and why


def test_a_nested_recording_and_another_thread_keep_their_own() -> None:
    seen: list[int] = []
    with recording(CTX) as outer:
        record("libvirt", "create", "d1")
        with recording(CTX) as inner:
            record("libvirt", "destroy", "d2")

        def other() -> None:
            record("libvirt", "undefine", "d3")  # a thread of its own: no recording open
            seen.append(1)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert [e["target"] for e in outer.effects] == ["d1"]
    assert [e["target"] for e in inner.effects] == ["d2"]
    assert seen == [1]
