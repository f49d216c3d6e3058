"""Evacuate with two hosts' workers on libvirt's test driver: the server's host is forced
down and its worker stopped, the other host's worker rebuilds the server from its image, and
when the old host's worker runs again it destroys the guest it still has and releases its
claim (Nova's evacuation clean-up at compute start). No guest moves: a rebuild from the image
needs none."""

from __future__ import annotations

import pytest

from domain.compute.node import node_id
from domain.compute.states import VmState
from domain.errors import InvalidInput
from tests.support.fleet import ADMIN, Fleet
from tests.support.waiting import wait_for


def test_a_server_is_evacuated_from_a_host_forced_down_which_cleans_up_when_it_returns(
        fleet: Fleet) -> None:
    fleet.add_host("node-1")
    fleet.add_host("node-2")
    [vm] = fleet.boot()
    old = str(fleet.wait_until(vm, VmState.ACTIVE).host)
    new = "node-2" if old == "node-1" else "node-1"
    fleet.stop(old)  # the host fails: its guest is still defined there
    fleet.cloud.hosts.force_down(ADMIN, old, True)

    fleet.cloud.actions.evacuate(ADMIN, vm.hex, None)
    instance = fleet.wait_until(vm, VmState.ACTIVE, "the evacuation")
    assert instance.host == new and instance.evacuated_from() == [old]
    assert sorted(fleet.host_of_guest(vm)) == ["node-1", "node-2"], "the old one is down"
    old_node = fleet.cloud.app.repository.get(node_id(old))
    assert vm.hex in old_node.claims, "held until the old host has cleaned up"
    with pytest.raises(InvalidInput, match="evacuation migration records remain"):
        fleet.cloud.hosts.force_down(ADMIN, old, False)  # Nova's: not before the clean-up

    fleet.start(old)  # back: its worker catches up with what happened meanwhile
    wait_for(lambda: fleet.host_of_guest(vm) == [new], "the old host to destroy its guest")
    wait_for(lambda: not fleet.instance(vm).evacuated_from(), "the clean-up to be recorded")
    assert fleet.cloud.app.repository.get(node_id(old)).claims == {}
    assert not fleet.cloud.hosts.force_down(ADMIN, old, False).forced_down
    fleet.check_ledgers()
    fleet.check_guests()
