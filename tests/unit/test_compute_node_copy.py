"""A compute node's copy (what the aggregate cache hands each command) shares its claims'
resources but not its claims: changing the copy leaves the cached original as it was."""

from __future__ import annotations

from copy import deepcopy

from domain.compute.node import ComputeNode


def node_with_claims(count: int) -> ComputeNode:
    node = ComputeNode("h1", "QEMU", 8, 8192, 100, "nova", 16.0, 1.5, 1.0)
    for n in range(count):
        node.claim(f"{n:032x}", {"vcpus": 1, "ram": 256, "disk": 1})
    node.collect_events()
    return node


def test_a_copy_changes_independently_of_its_original() -> None:
    original = node_with_claims(3)
    copy = deepcopy(original)
    copy.claim("f" * 32, {"vcpus": 2, "ram": 512, "disk": 2})
    copy.release(f"{0:032x}")
    copy.disable("maintenance")
    assert original.used() == {"vcpus": 3, "ram": 768, "disk": 3}
    assert copy.used() == {"vcpus": 4, "ram": 1024, "disk": 4}
    assert (original.enabled, original.version, original.pending_events) == (True, 4, [])
    assert (copy.enabled, copy.version, len(copy.pending_events)) == (False, 7, 3)


def test_a_copy_holds_the_same_claims_and_registration() -> None:
    original = node_with_claims(5)
    copy = deepcopy(original)
    assert copy.claims == original.claims and copy.claims is not original.claims
    assert copy.registration() == original.registration()
    assert (copy.id, copy.version, copy.host) == (original.id, original.version, original.host)
