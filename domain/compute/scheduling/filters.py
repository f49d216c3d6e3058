"""Nova-style scheduler filters: one small class per question, `host_passes(host, spec)`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from domain.compute.scheduling.host_state import HostState, RequestSpec


class HostFilter(Protocol):
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool: ...


class ComputeFilter:
    """Only hosts whose compute service is enabled and has reported recently."""

    def __init__(self, down_after: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.down_after, self.clock = down_after, clock

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.enabled and host.is_up(self.clock(), self.down_after)


class RamFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.free_ram >= spec.ram


class CoreFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.free_vcpus >= spec.vcpus


class DiskFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.free_disk >= spec.disk


class AvailabilityZoneFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return spec.availability_zone is None or host.availability_zone == spec.availability_zone


class IgnoreTriedHostsFilter:
    """A reschedule never goes back to a host where this instance already failed."""

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.host not in spec.ignore_hosts


class ServerGroupAffinityFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return (
            spec.group_policy != "affinity" or not spec.group_hosts or host.host in spec.group_hosts
        )


class ServerGroupAntiAffinityFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return (
            spec.group_policy != "anti-affinity"
            or spec.group_hosts.count(host.host) < spec.group_max_per_host
        )


class SameHostFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return not spec.same_host or host.host in spec.same_host


class RequestedHostFilter:
    """A boot that requested a host (Nova's requested_destination) goes there or nowhere."""

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return spec.requested_host is None or host.host == spec.requested_host


class DifferentHostFilter:
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.host not in spec.different_host


class ImagePropertiesFilter:
    """An image that names a hypervisor type only runs on hosts of that type."""

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        wanted = spec.image_properties.get("hypervisor_type") or spec.image_properties.get(
            "img_hv_type"
        )
        return not wanted or str(wanted).lower() == host.hypervisor_type.lower()


class AggregateInstanceExtraSpecsFilter:
    """A flavor's `aggregate_instance_extra_specs:KEY=VALUE` specs need a host one of whose
    aggregates has KEY=VALUE in its metadata (Nova's filter). Unlike Nova's, unscoped keys are
    not matched: this filter is always on, and a flavor's other specs are not aggregate keys.
    Values compare as plain strings (Nova's `<in>`, `s==`, ... operators are not read)."""

    SCOPE = "aggregate_instance_extra_specs:"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        for key, wanted in spec.extra_specs.items():
            values = host.aggregate_metadata.get(key[len(self.SCOPE):], frozenset())
            if key.startswith(self.SCOPE) and str(wanted).strip() not in values:
                return False
        return True


def default_filters(
    down_after: float = 60.0, clock: Callable[[], float] = time.time
) -> list[HostFilter]:
    # Cheapest and most selective first: most hosts are rejected by the first that fails.
    return [
        ComputeFilter(down_after, clock),
        IgnoreTriedHostsFilter(),
        AvailabilityZoneFilter(),
        RamFilter(),
        CoreFilter(),
        DiskFilter(),
        ImagePropertiesFilter(),
        AggregateInstanceExtraSpecsFilter(),
        ServerGroupAffinityFilter(),
        ServerGroupAntiAffinityFilter(),
        SameHostFilter(),
        RequestedHostFilter(),
        DifferentHostFilter(),
    ]
