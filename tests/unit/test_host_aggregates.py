"""Host aggregates in the domain, no I/O: the aggregate's rules, a host's one zone, and what
the scheduler makes of the events (zones and the aggregate extra-specs filter)."""

from __future__ import annotations

import pytest

from domain.compute.host_aggregate import HostAggregate
from domain.compute.host_zones import HostZones, ZoneConflict
from domain.compute.scheduling.filters import AggregateInstanceExtraSpecsFilter
from domain.compute.scheduling.host_state import HostState, RequestSpec
from domain.compute.scheduling.memberships import Memberships
from domain.errors import AlreadyExists, InvalidInput, NotFound


def test_aggregate_rules() -> None:
    rack = HostAggregate("rack", "az1")
    rack.add_host("h1")
    with pytest.raises(AlreadyExists):
        rack.add_host("h1")
    with pytest.raises(NotFound):
        rack.remove_host("h2")
    with pytest.raises(InvalidInput):
        rack.delete()  # it still has a host
    rack.set_metadata({"ssd": "true", "gone": None})
    rack.set_metadata({"ssd": "true"})  # no change, no event
    events = rack.collect_events()
    assert [type(e).__name__ for e in events] == ["Created", "HostAdded", "MetadataSet"]
    assert rack.metadata == {"availability_zone": "az1", "ssd": "true"}
    rack.remove_host("h1")
    rack.delete()
    assert rack.deleted


def test_a_host_has_one_zone() -> None:
    zones = HostZones("h1")
    zones.join("a1", "east")
    zones.join("a2", None)  # an aggregate without a zone agrees with any
    zones.join("a3", "east")
    with pytest.raises(ZoneConflict):
        zones.join("a4", "west")
    with pytest.raises(ZoneConflict):
        zones.rezone("a2", "west")
    zones.leave("a1")
    zones.leave("a3")
    zones.rezone("a2", "west")  # nothing disagrees any more
    assert zones.zones == {"a2": "west"}


def test_memberships_give_zone_and_metadata_and_the_filter_reads_them() -> None:
    fast, east = HostAggregate("fast", None), HostAggregate("east", "az-east")
    fast.add_host("h1")
    fast.set_metadata({"ssd": "true"})
    east.add_host("h1")
    memberships = Memberships()
    changed = set()
    for e in [*fast.collect_events(), *east.collect_events()]:
        changed |= memberships.apply(e)
    assert changed == {"h1"}
    assert memberships.zone_of("h1", "nova") == "az-east"
    assert memberships.zone_of("h2", "nova") == "nova"
    host = HostState("h1", "az-east", "QEMU", 4, 4096, 100,
                     aggregate_metadata=memberships.metadata_of("h1"))
    other = HostState("h2", "nova", "QEMU", 4, 4096, 100)
    wanted = RequestSpec("i", "p", 1, 512, 1,
                         extra_specs={"aggregate_instance_extra_specs:ssd": "true",
                                      "hw:cpu_policy": "shared"})
    check = AggregateInstanceExtraSpecsFilter()
    assert check.host_passes(host, wanted) and not check.host_passes(other, wanted)
    assert check.host_passes(other, RequestSpec("i", "p", 1, 512, 1))
