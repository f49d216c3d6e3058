"""Pinning a server to its availability zone and unpinning it (the command behind compute
2.104's PUT pinned_availability_zone): the instance's own zone, which its moves are scheduled
in, changes in an Updated event, and the servers read model follows (requested_az). Nova's two
409s change nothing. On both stores."""

from __future__ import annotations

import pytest

from domain.context import RequestContext
from domain.errors import InvalidState
from projections.servers import ServerViews
from tests.support.compute_api import Compute, register_host


def caller(who: dict[str, str]) -> RequestContext:
    return RequestContext(user_id=who["user_id"], project_id=who["project_id"],
                          roles=("member", "reader"))


def requested_az(compute: Compute, server_id: str) -> str | None:
    compute.cloud.sync_read_models()
    row = ServerViews(compute.cloud.store).get(compute.instance(server_id).id.hex)
    assert row is not None
    return row["requested_az"]  # type: ignore[no-any-return]


def test_unpin_and_pin_to_the_hosts_zone(compute: Compute, member_a: dict[str, str]) -> None:
    register_host(compute.cloud, "host-3", zone="az-2")
    ctx = caller(member_a)
    server_id = compute.active(member_a, availability_zone="nova")
    actions = compute.cloud.actions
    head = compute.cloud.app.head()
    with pytest.raises(InvalidState, match="Unpin first"):
        actions.update(ctx, server_id, {"pinned_availability_zone": "az-2"})
    actions.update(ctx, server_id, {"pinned_availability_zone": "nova"})  # its own: no-op
    assert compute.cloud.app.head() == head
    actions.update(ctx, server_id, {"pinned_availability_zone": None, "name": "unpinned"})
    assert compute.instance(server_id).availability_zone is None
    assert compute.instance(server_id).name == "unpinned"
    assert requested_az(compute, server_id) is None
    actions.update(ctx, server_id, {"pinned_availability_zone": None})  # unpinned: no-op
    assert compute.cloud.app.head() == head + 1
    with pytest.raises(InvalidState, match="current availability zone 'nova', but 'az-2'"):
        actions.update(ctx, server_id, {"pinned_availability_zone": "az-2"})
    actions.update(ctx, server_id, {"pinned_availability_zone": "nova"})
    assert compute.instance(server_id).availability_zone == "nova"
    assert requested_az(compute, server_id) == "nova"


def test_the_read_model_keeps_the_boots_hints(compute: Compute,
                                              member_a: dict[str, str]) -> None:
    first = compute.active(member_a)
    hinted = compute.active(member_a, hints={"same_host": first})
    compute.cloud.sync_read_models()
    row = ServerViews(compute.cloud.store).get(compute.instance(hinted).id.hex)
    assert row is not None and row["hints"]["same_host"] == [compute.instance(first).id.hex]
