"""The Instance aggregate and the servers read model evolve through the same lifecycle steps
(domain/compute/lifecycle.py): fed the same events, they end in the same state, fault included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.compute.instance import Instance
from projections.servers import evolve, lifecycle_of, new_doc

SMALL = {"id": "small", "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0}
BIG = {"id": "big", "vcpus": 2, "ram": 1024, "disk": 2, "ephemeral": 0, "swap": 0}
IMAGE = {"id": "img1", "disk_format": "qcow2", "content_hash": "abc", "properties": {}}
IMAGE2 = {"id": "img2", "disk_format": "raw", "content_hash": "def", "properties": {}}


def requested() -> Instance:
    return Instance(name="vm", project_id="p1", user_id="u1", flavor=dict(SMALL),
                    image=dict(IMAGE), key_name=None, availability_zone=None, metadata={},
                    user_data=None, hints={}, server_group_id=None, reservation_id="r-1",
                    launch_index=0, max_attempts=3)


def active(i: Instance) -> None:
    i.claim_host("h1")
    i.spawned("h1")


def resize(i: Instance) -> None:
    i.request("resize", False, flavor=dict(BIG), host="h2")
    i.action_succeeded("resize")


STORIES: dict[str, Callable[[Instance], None]] = {
    "spawn failed, rescheduled, spawned": lambda i: (
        i.claim_host("h1"), i.spawn_failed("h1", "no disk"), i.claim_host("h2"),
        i.spawned("h2")),
    "no valid host": lambda i: i.fail_scheduling("out of capacity"),
    "build aborted": lambda i: (i.claim_host("h1"), i.abort_build("gave up")),
    "stopped": lambda i: (active(i), i.request("stop", False), i.action_succeeded("stop")),
    "reboot failed": lambda i: (active(i), i.request("reboot", False),
                                i.action_failed("reboot", "libvirt said no")),
    "resized": lambda i: (active(i), resize(i)),
    "resize reverted": lambda i: (active(i), resize(i), i.request("revert_resize", False),
                                  i.action_succeeded("revert_resize")),
    "resize confirmed": lambda i: (active(i), resize(i), i.request("confirm_resize", False),
                                   i.action_succeeded("confirm_resize")),
    "rebuilt": lambda i: (active(i), i.request("rebuild", False, image=dict(IMAGE2)),
                          i.action_succeeded("rebuild")),
    "rebuild failed": lambda i: (active(i), i.request("rebuild", False, image=dict(IMAGE2)),
                                 i.action_failed("rebuild", "no disk")),
    "rebuilt while stopped": lambda i: (
        active(i), i.request("stop", False), i.action_succeeded("stop"),
        i.request("rebuild", False, image=dict(IMAGE2)), i.action_succeeded("rebuild")),
    "resized while stopped, reverted": lambda i: (
        active(i), i.request("stop", False), i.action_succeeded("stop"), resize(i),
        i.request("revert_resize", False), i.action_succeeded("revert_resize")),
    "rescued": lambda i: (active(i), i.request("rescue", False, rescue_image=dict(IMAGE2)),
                          i.action_succeeded("rescue")),
    "unrescued": lambda i: (active(i), i.request("rescue", False), i.action_succeeded("rescue"),
                            i.request("unrescue", False), i.action_succeeded("unrescue")),
    "shelved": lambda i: (active(i), i.request("shelve", False, image_id="abc"),
                          i.action_succeeded("shelve")),
    "unshelved elsewhere": lambda i: (
        active(i), i.request("shelve", False), i.action_succeeded("shelve"),
        i.request("unshelve", False, host="h2"), i.action_succeeded("unshelve")),
    "unshelve failed": lambda i: (
        active(i), i.request("shelve", False), i.action_succeeded("shelve"),
        i.request("unshelve", False, host="h2"), i.action_failed("unshelve", "no disk")),
    "died": lambda i: (active(i), i.observe_power(4, "stopped")),
    "reset to error while stopping, then the stop came back": lambda i: (
        active(i), i.request("stop", False), i.reset_state("error"),
        i.action_succeeded("stop")),
    "reset to active": lambda i: (active(i), i.reset_state("error"), i.reset_state("active")),
    "deleted": lambda i: (active(i), i.request_delete(), i.mark_deleted()),
}


@pytest.mark.parametrize("story", STORIES)
def test_aggregate_and_read_model_agree(story: str) -> None:
    instance = requested()
    STORIES[story](instance)
    events: list[Any] = instance.collect_events()
    doc = new_doc(events[0])
    for event in events[1:]:
        evolve(doc, event)
    assert lifecycle_of(doc) == instance.lifecycle()
    assert (doc["fault"] or {}).get("message") == (instance.fault or {}).get("message")
    assert doc["deleted"] == instance.deleted
