"""Compute hosts as Nova's admin views show them: `/os-hypervisors`, `/os-services` and
`/os-availability-zone`.

Capacity, usage, enablement and the last heartbeat come from the capacity view (an in-memory
read model); the registration order (Nova's integer ids before 2.53) and the disable reason from
the server read model. Up or down is the heartbeat's age against `service_down_time`.
Microversions: forced_down shown from 2.11, cpu_info an object from 2.28, paging from 2.33,
uuid ids and `PUT /os-services/{id}` from 2.53 (the `enable`/`disable` forms before).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.deps import Authorize, CloudDep, CloudServices
from api.microversions import ComputeVersion, Version
from api.responses.compute import (
    Hypervisor,
    HypervisorDetail,
    HypervisorDetailList,
    HypervisorDetailV228,
    HypervisorList,
    HypervisorShow,
    HypervisorStatistics,
    ServiceList,
    ServiceUpdated,
    ServiceV211,
    Zones,
)
from api.responses.compute import Service as ServiceBody
from api.routers.compute_server_actions import parsed
from api.routers.compute_servers import caught_up
from domain.compute.heartbeat import heartbeat_id
from domain.compute.scheduling.host_state import HostState
from domain.errors import InvalidInput, NotFound
from projections.servers import ServerViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: hosts"])

RULES = [policy.RuleDefault(f"os_compute_api:{name}", "rule:admin_api") for name in (
    "os-hypervisors:list", "os-hypervisors:list-detail", "os-hypervisors:show",
    "os-hypervisors:statistics", "os-services:list", "os-services:update",
    "os-availability-zone:detail")] + [
    policy.RuleDefault("os_compute_api:os-availability-zone:list", "@", "List zones")]

COMPUTE = "nova-compute"


@dataclass(frozen=True)
class Service:
    """One compute host: its nova-compute service and its hypervisor."""

    seq: int
    node_id: str  # the node aggregate's id (hex): the hypervisor's uuid
    host: str
    disabled_reason: str | None
    state: HostState
    up: bool

    def service_id(self, version: Version) -> int | str:
        return str(heartbeat_id(self.host)) if version >= "2.53" else self.seq

    def hypervisor_id(self, version: Version) -> int | str:
        return str(UUID(self.node_id)) if version >= "2.53" else self.seq

    @property
    def status(self) -> str:
        return "enabled" if self.state.enabled else "disabled"

    @property
    def updated_at(self) -> str | None:
        beat = self.state.last_beat
        return datetime.fromtimestamp(beat, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if beat else None


def services(cloud: CloudServices) -> list[Service]:
    states, now = cloud.capacity.hosts(), time.time()
    down_after = cloud.settings.service_down_time
    return [Service(int(r["seq"]), r["id"], r["host"], r["disabled_reason"], states[r["host"]],
                    states[r["host"]].is_up(now, down_after))
            for r in ServerViews(cloud.store).services() if r["host"] in states]


def service_body(s: Service, version: Version) -> ServiceBody:
    body: dict[str, Any] = {"id": s.service_id(version), "binary": COMPUTE, "host": s.host,
                            "zone": s.state.availability_zone, "status": s.status,
                            "state": "up" if s.up else "down", "updated_at": s.updated_at,
                            "disabled_reason": s.disabled_reason}
    if version >= "2.11":
        body["forced_down"] = False
    return (ServiceV211 if version >= "2.11" else ServiceBody).model_validate(body)


def hypervisor_body(s: Service, version: Version, detailed: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": s.hypervisor_id(version), "hypervisor_hostname": s.host,
                            "state": "up" if s.up else "down", "status": s.status}
    if not detailed:
        return body
    st = s.state
    free_ram, free_disk = st.memory_mb - st.used_ram, st.disk_gb - st.used_disk
    body.update({
        "vcpus": st.vcpus, "vcpus_used": st.used_vcpus, "memory_mb": st.memory_mb,
        "memory_mb_used": st.used_ram, "local_gb": st.disk_gb, "local_gb_used": st.used_disk,
        "free_ram_mb": free_ram, "free_disk_gb": free_disk, "disk_available_least": free_disk,
        "current_workload": 0, "running_vms": len(st.instances),
        "hypervisor_type": st.hypervisor_type, "hypervisor_version": None, "host_ip": None,
        "cpu_info": {} if version >= "2.28" else "{}",
        "service": {"host": s.host, "id": s.service_id(version),
                    "disabled_reason": s.disabled_reason}})
    return body


# -- /os-hypervisors -------------------------------------------------------------------------

def page(found: list[Service], version: Version, limit: int | None,
         marker: str | None) -> list[Service]:
    if version < "2.33":
        return found
    if marker is not None:
        ids = [str(s.hypervisor_id(version)) for s in found]
        if marker not in ids:
            raise InvalidInput(f"marker [{marker}] not found")
        found = found[ids.index(marker) + 1:]
    return found[:limit] if limit is not None else found


def hypervisor_model(version: Version, detailed: bool) -> type[Hypervisor]:
    if not detailed:
        return Hypervisor
    return HypervisorDetailV228 if version >= "2.28" else HypervisorDetail


def hypervisor_list(cloud: CloudServices, version: Version, detailed: bool, limit: int | None,
                    marker: str | None, pattern: str | None) -> dict[str, Any]:
    found = services(cloud)
    if pattern is not None and version >= "2.53":
        found = [s for s in found if pattern in s.host]
        if not found:
            raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    model = hypervisor_model(version, detailed)
    return {"hypervisors": [model.model_validate(hypervisor_body(s, version, detailed))
                            for s in page(found, version, limit, marker)]}


Lister = Annotated[Caller, Depends(Authorize("os_compute_api:os-hypervisors:list"))]
DetailLister = Annotated[Caller, Depends(Authorize("os_compute_api:os-hypervisors:list-detail"))]
Shower = Annotated[Caller, Depends(Authorize("os_compute_api:os-hypervisors:show"))]
Statistician = Annotated[Caller, Depends(Authorize("os_compute_api:os-hypervisors:statistics"))]
Limit = Annotated[int | None, Query(ge=0)]


@router.get("/os-hypervisors", response_model=HypervisorList)
def hypervisors(cloud: CloudDep, caller: Lister, version: ComputeVersion, limit: Limit = None,
                marker: str | None = None,
                hypervisor_hostname_pattern: str | None = None) -> dict[str, Any]:
    return hypervisor_list(cloud, version, False, limit, marker, hypervisor_hostname_pattern)


@router.get("/os-hypervisors/detail", response_model=HypervisorDetailList)
def hypervisors_detail(cloud: CloudDep, caller: DetailLister, version: ComputeVersion,
                       limit: Limit = None, marker: str | None = None,
                       hypervisor_hostname_pattern: str | None = None) -> dict[str, Any]:
    return hypervisor_list(cloud, version, True, limit, marker, hypervisor_hostname_pattern)


@router.get("/os-hypervisors/statistics", response_model=HypervisorStatistics)
def statistics(cloud: CloudDep, caller: Statistician) -> dict[str, Any]:
    bodies = [hypervisor_body(s, Version(2, 1), True) for s in services(cloud)]
    keys = ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
            "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
            "disk_available_least")
    totals = {key: sum(b[key] for b in bodies) for key in keys}
    return {"hypervisor_statistics": {"count": len(bodies), **totals}}


@router.get("/os-hypervisors/{hypervisor_id}", response_model=HypervisorShow)
def hypervisor(hypervisor_id: str, cloud: CloudDep, caller: Shower,
               version: ComputeVersion) -> dict[str, Any]:
    if version >= "2.53":
        try:
            UUID(hypervisor_id)
        except ValueError:
            raise InvalidInput(f"Invalid uuid {hypervisor_id}") from None
    for s in services(cloud):
        if str(s.hypervisor_id(version)) == hypervisor_id:
            body = hypervisor_body(s, version, True)
            return {"hypervisor": hypervisor_model(version, True).model_validate(body)}
    raise NotFound(f"Hypervisor with ID {hypervisor_id} could not be found.")


# -- /os-services ----------------------------------------------------------------------------

ServiceReader = Annotated[Caller, Depends(Authorize("os_compute_api:os-services:list"))]
ServiceWriter = Annotated[Caller, Depends(Authorize("os_compute_api:os-services:update"))]
Reason = Annotated[str, Field(min_length=1, max_length=255)]


class LegacyServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str
    binary: str
    disabled_reason: Reason | None = None


class ServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["enabled", "disabled"] | None = None
    disabled_reason: Reason | None = None
    forced_down: bool | None = None


@router.get("/os-services", response_model=ServiceList)
def service_list(cloud: CloudDep, caller: ServiceReader, version: ComputeVersion,
                 host: str | None = None, binary: str | None = None) -> dict[str, Any]:
    found = [s for s in services(cloud) if host in (None, s.host) and binary in (None, COMPUTE)]
    return {"services": [service_body(s, version) for s in found]}


@router.put("/os-services/{service_id}", response_model=ServiceUpdated)
def service_update(service_id: str, cloud: CloudDep, caller: ServiceWriter,
                   version: ComputeVersion,
                   body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    if version >= "2.53":
        return update_by_id(cloud, caller, version, service_id, parsed(ServiceUpdate, body))
    if service_id not in ("enable", "disable", "disable-log-reason"):
        raise NotFound(f"Unknown action {service_id}")
    params: LegacyServiceUpdate = parsed(LegacyServiceUpdate, body)
    if params.binary != COMPUTE or params.host not in cloud.capacity.hosts():
        raise NotFound(f"Service {params.binary} on host {params.host} could not be found.")
    if service_id == "disable-log-reason" and not params.disabled_reason:
        raise InvalidInput("Missing disabled reason field")
    if service_id == "enable":
        cloud.hosts.enable(caller.ctx, params.host)
        return {"service": {"host": params.host, "binary": COMPUTE, "status": "enabled"}}
    reason = params.disabled_reason if service_id == "disable-log-reason" else None
    cloud.hosts.disable(caller.ctx, params.host, reason)
    body_out = {"host": params.host, "binary": COMPUTE, "status": "disabled"}
    return {"service": {**body_out, **({"disabled_reason": reason} if reason else {})}}


def update_by_id(cloud: CloudServices, caller: Caller, version: Version, service_id: str,
                 params: ServiceUpdate) -> dict[str, Any]:
    try:
        wanted = str(UUID(service_id))
    except ValueError:
        raise InvalidInput(f"Invalid uuid {service_id}") from None
    found = [s for s in services(cloud) if s.service_id(version) == wanted]
    if not found:
        raise NotFound(f"Service {service_id} could not be found.")
    if params.forced_down:
        raise InvalidInput("Forcing a service down is not supported yet.")
    if params.status is None and params.forced_down is None:
        raise InvalidInput("At least one of status or forced_down must be specified.")
    if params.disabled_reason is not None and params.status != "disabled":
        raise InvalidInput("Specifying 'disabled_reason' with status 'enabled' is invalid.")
    host = found[0].host
    if params.status == "enabled":
        cloud.hosts.enable(caller.ctx, host)
    elif params.status == "disabled":
        cloud.hosts.disable(caller.ctx, host, params.disabled_reason)
    caught_up(cloud)
    return {"service": service_body(next(s for s in services(cloud) if s.host == host), version)}


# -- /os-availability-zone -------------------------------------------------------------------

ZoneReader = Annotated[Caller, Depends(Authorize("os_compute_api:os-availability-zone:list"))]
ZoneAdmin = Annotated[Caller, Depends(Authorize("os_compute_api:os-availability-zone:detail"))]


def zones(cloud: CloudServices, detailed: bool) -> dict[str, Any]:
    """Zones of the registered hosts; a zone is available while one of its services is enabled
    (as in Nova), and available zones come first."""
    by_zone: dict[str, list[Service]] = {}
    for s in services(cloud):
        by_zone.setdefault(s.state.availability_zone, []).append(s)
    info = []
    for name, members in sorted(by_zone.items(), key=lambda z: (not _available(z[1]), z[0])):
        hosts = {s.host: {COMPUTE: {"available": s.up, "active": s.state.enabled,
                                    "updated_at": s.updated_at}} for s in members}
        info.append({"zoneName": name, "zoneState": {"available": _available(members)},
                     "hosts": hosts if detailed else None})
    return {"availabilityZoneInfo": info}


def _available(members: list[Service]) -> bool:
    return any(s.state.enabled for s in members)


@router.get("/os-availability-zone", response_model=Zones)
def zone_list(cloud: CloudDep, caller: ZoneReader) -> dict[str, Any]:
    return zones(cloud, detailed=False)


@router.get("/os-availability-zone/detail", response_model=Zones)
def zone_detail(cloud: CloudDep, caller: ZoneAdmin) -> dict[str, Any]:
    return zones(cloud, detailed=True)
