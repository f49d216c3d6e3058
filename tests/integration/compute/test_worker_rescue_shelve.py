"""Rescue, shelve and os-interface through the worker on libvirt's test driver: the guest is
swapped for a rescue guest and back; a shelved server leaves its host (guest and claim), its
root disk kept as an image, and an unshelve claims a host anew and spawns it there; an attached
port becomes a NIC of the guest, a detached one leaves it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from uuid import UUID

import libvirt
import pytest

from adapters.hypervisor.domain_xml import is_rescue
from domain.catalog.image import Image
from domain.compute.backends import GuestState as G
from domain.compute.states import VmState
from domain.errors import InvalidInput, InvalidState
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for


def is_rescued(fleet: Fleet, host: str, vm: UUID) -> bool:
    """Whether the guest's domain is the rescue domain (its XML says so)."""
    hypervisor: Any = fleet.hosts[host].hypervisor
    return is_rescue(hypervisor._require(vm).XMLDesc(0))


def test_rescue_boots_a_rescue_guest_and_unrescue_brings_the_guest_back(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    host = fleet.hosts["node-1"].hypervisor

    fleet.cloud.actions.rescue(USER, vm.hex, fleet.image2)
    rescued = fleet.wait_until(vm, VmState.RESCUED, "the rescue")
    assert rescued.host == "node-1" and host.state(vm) is G.RUNNING
    assert is_rescued(fleet, "node-1", vm)
    with pytest.raises(InvalidState):
        fleet.cloud.actions.rescue(USER, vm.hex)  # already rescued: Nova's 409

    fleet.cloud.actions.act(USER, vm.hex, "unrescue")
    fleet.wait_until(vm, VmState.ACTIVE, "the unrescue")
    assert host.state(vm) is G.RUNNING and not is_rescued(fleet, "node-1", vm)
    fleet.check_guests()
    fleet.check_ledgers()


def test_a_stopped_server_can_be_rescued_and_comes_back_active(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    fleet.cloud.actions.act(USER, vm.hex, "stop")
    fleet.wait_until(vm, VmState.STOPPED)
    fleet.cloud.actions.rescue(USER, vm.hex)
    fleet.wait_until(vm, VmState.RESCUED)
    fleet.cloud.actions.act(USER, vm.hex, "unrescue")
    fleet.wait_until(vm, VmState.ACTIVE)
    assert fleet.hosts["node-1"].hypervisor.state(vm) is G.RUNNING


def test_rescue_with_an_unknown_image_is_refused_and_changes_nothing(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    before = fleet.wait_until(vm, VmState.ACTIVE).version
    with pytest.raises(InvalidInput):
        fleet.cloud.actions.rescue(USER, vm.hex, "9e3f1c3e-8f5e-4f36-9a57-1d1e5b1e6b55")
    assert fleet.instance(vm).version == before


def test_shelve_offloads_and_unshelve_claims_a_host_again(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)

    fleet.cloud.shelving.shelve(USER, vm.hex)
    shelved = fleet.wait_until(vm, VmState.SHELVED_OFFLOADED, "the shelve")
    assert shelved.host is None and fleet.host_of_guest(vm) == []
    image: Any = fleet.cloud.app.find(UUID(str(shelved.shelved_image_id)))
    assert isinstance(image, Image) and image.status == "active"
    assert image.name == f"{shelved.name}-shelved"
    fleet.check_ledgers()  # the host's claim went with the guest; the quota stays
    with pytest.raises(InvalidState):
        fleet.cloud.shelving.shelve(USER, vm.hex)

    fleet.cloud.shelving.unshelve(USER, vm.hex)
    back = fleet.wait_until(vm, VmState.ACTIVE, "the unshelve")
    assert back.host == "node-1" and fleet.host_of_guest(vm) == ["node-1"]
    wait_for(lambda: fleet.cloud.app.find(image.id).deleted, "the shelved image to go")
    fleet.check_guests()
    fleet.check_ledgers()


def test_a_paused_server_shelves_and_a_shelved_one_deletes_at_once(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    fleet.wait_until(vm, VmState.ACTIVE)
    fleet.cloud.actions.act(USER, vm.hex, "pause")
    fleet.wait_until(vm, VmState.PAUSED)
    fleet.cloud.shelving.shelve(USER, vm.hex)
    fleet.wait_until(vm, VmState.SHELVED_OFFLOADED)
    with pytest.raises(InvalidState):
        fleet.cloud.actions.act(USER, vm.hex, "unrescue")
    fleet.cloud.actions.delete(USER, vm.hex)  # on no host: the delete completes at once
    assert fleet.instance(vm).deleted
    fleet.check_ledgers()


def test_unshelve_of_an_active_server_is_a_conflict(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    before = fleet.wait_until(vm, VmState.ACTIVE).version
    with pytest.raises(InvalidState):
        fleet.cloud.shelving.unshelve(USER, vm.hex)
    assert fleet.instance(vm).version == before


def nic_macs(fleet: Fleet, host: str, vm: UUID) -> set[str]:
    """The guest's NICs as its definition holds them (the test driver, having no hotplug,
    changes only the definition)."""
    hypervisor: Any = fleet.hosts[host].hypervisor
    xml = ET.fromstring(hypervisor._require(vm).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    return {str(m.get("address")) for m in xml.iterfind("./devices/interface/mac")}


def test_an_attached_interface_is_plugged_into_the_guest_and_a_detached_one_unplugged(
        fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [vm] = fleet.boot()
    instance = fleet.wait_until(vm, VmState.ACTIVE)
    [first] = instance.ports
    assert nic_macs(fleet, "node-1", vm) == {first["mac"]}

    added = fleet.cloud.interfaces.attach(USER, vm.hex, first["network_id"])
    wait_for(lambda: nic_macs(fleet, "node-1", vm) == {first["mac"], added["mac"]},
             "the new NIC to be plugged")
    fleet.cloud.interfaces.detach(USER, vm.hex, added["id"])
    wait_for(lambda: nic_macs(fleet, "node-1", vm) == {first["mac"]},
             "the NIC to be unplugged")
    fleet.cloud.actions.act(USER, vm.hex, "reboot_hard")  # a respawn keeps what is attached
    fleet.wait_until(vm, VmState.ACTIVE)
    assert nic_macs(fleet, "node-1", vm) == {first["mac"]}
