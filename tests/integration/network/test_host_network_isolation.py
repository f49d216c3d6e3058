"""Two projects' segments across two hosts: same-project guests reach each other over the
underlay, guests of different projects never do, not even on the same host. All four guests
share one subnet, so nothing but the segments keeps the projects apart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.network.host_network import PyrouteHostNetwork
from adapters.network.segments import segment_driver
from domain.network.backends import SegmentSpec
from tests.support.network_namespaces import (
    Host,
    Namespaces,
    attach_guest,
    link_details,
    pings,
    unreachable,
)

PROJECT_A, PROJECT_B = 101, 102


@pytest.fixture
def guests(two_hosts: tuple[Host, Host], namespaces: Namespaces) -> Iterator[dict[str, str]]:
    """Guest namespaces by name: a1/b1 on the first host, a2/b2 on the second."""
    made: dict[str, str] = {}
    for number, host in enumerate(two_hosts, start=1):
        with PyrouteHostNetwork(segment_driver("vxlan", host.phys), netns=host.ns) as network:
            for project, letter in ((PROJECT_A, "a"), (PROJECT_B, "b")):
                state = network.ensure_segment(SegmentSpec(project))
                address = f"10.77.0.{number * 10 + project - 100}/24"
                made[f"{letter}{number}"] = attach_guest(
                    namespaces, host, state.bridge, f"52:54:00:77:{number:02x}:{project - 100:02x}",
                    address)
    yield made


def test_same_project_guests_reach_each_other_across_hosts(
        guests: dict[str, str], two_hosts: tuple[Host, Host]) -> None:
    before = _received(two_hosts[1], "vx101")

    assert pings(guests["a1"], "10.77.0.21")  # a1 → a2, through host A's and host B's vx101
    assert pings(guests["b2"], "10.77.0.12")  # b2 → b1
    assert _received(two_hosts[1], "vx101") > before  # the traffic really crossed the underlay


def test_different_projects_cannot_reach_each_other(guests: dict[str, str]) -> None:
    assert pings(guests["a1"], "10.77.0.21")  # the path works (control) ...
    assert unreachable(guests["a1"], "10.77.0.22")  # ... but not into project B on the other host
    assert unreachable(guests["a1"], "10.77.0.12")  # ... nor on the same host
    assert unreachable(guests["b2"], "10.77.0.21")


def _received(host: Host, name: str) -> int:
    return int(link_details(host.ns, name)["stats64"]["rx"]["packets"])
