"""DescribeRegions, DescribeAvailabilityZones and DescribeInstanceTypes (the flavors the caller
may boot, by name): read from the same read models as the OpenStack APIs."""

from __future__ import annotations

from typing import Any

from api.ec2.context import Call, Handler
from api.routers.compute_hosts import zones
from projections.flavors import FlavorViews


def wanted(call: Call, name: str, filter_name: str) -> set[str] | None:
    """The names asked for (`Name.N` or a filter on them), or None for all."""
    names = set(call.params.listed(name)) | set(call.params.filters().get(filter_name, []))
    return names or None


def describe_regions(call: Call) -> dict[str, Any]:
    region = call.cloud.settings.region
    names = wanted(call, "RegionName", "region-name")
    regions = [{"regionName": region, "regionEndpoint": f"{call.cloud.settings.public_url}/ec2/",
                "optInStatus": "opt-in-not-required"}]
    return {"regionInfo": [r for r in regions if names is None or r["regionName"] in names]}


def describe_availability_zones(call: Call) -> dict[str, Any]:
    call.enforce("os_compute_api:os-availability-zone:list")
    names = wanted(call, "ZoneName", "zone-name")
    region = call.cloud.settings.region
    info = [{"zoneName": z["zoneName"],
             "zoneState": "available" if z["zoneState"]["available"] else "unavailable",
             "regionName": region, "zoneType": "availability-zone",
             "zoneId": z["zoneName"], "messageSet": []}
            for z in zones(call.cloud, detailed=False)["availabilityZoneInfo"]]
    return {"availabilityZoneInfo": [z for z in info if names is None or z["zoneName"] in names]}


def instance_type(row: dict[str, Any]) -> dict[str, Any]:
    return {"instanceType": row["name"], "currentGeneration": True,
            "vCpuInfo": {"defaultVCpus": row["vcpus"]},
            "memoryInfo": {"sizeInMiB": row["ram"]},
            "instanceStorageSupported": row["disk"] > 0,
            "instanceStorageInfo": {"totalSizeInGB": row["disk"]} if row["disk"] else None,
            "supportedRootDeviceTypes": ["instance-store", "ebs"],
            "hypervisor": "kvm"}


def describe_instance_types(call: Call) -> dict[str, Any]:
    call.enforce("os_compute_api:flavors:list")
    names = wanted(call, "InstanceType", "instance-type")
    rows = FlavorViews(call.cloud.store).list(call.caller.project_id, call.caller.is_admin)
    return {"instanceTypeSet": [instance_type(r) for r in rows
                                if not r.get("disabled") and (names is None or r["name"] in names)]}


ACTIONS: dict[str, Handler] = {
    "DescribeRegions": describe_regions,
    "DescribeAvailabilityZones": describe_availability_zones,
    "DescribeInstanceTypes": describe_instance_types,
}
