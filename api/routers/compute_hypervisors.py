"""Compute `/os-hypervisors`: each registered host's hypervisor, its capacity and its servers.

Capacity, usage, version and heartbeats come from the capacity view, the servers on a host from
the server read model (api/routers/compute_hosts.py `services()` joins the two).
Microversions: cpu_info an object from 2.28, paging from 2.33; from 2.53 ids are UUIDs, the
list and show take `with_servers` and `hypervisor_hostname_pattern`, and the `/{hostname}/search`
and `/{hostname}/servers` routes are gone (404). From 2.88 the detail and show drop the
statistics-style fields and cpu_info and show the uptime (null for a host that is down, as Nova
cannot ask it), and `/statistics` and `/{id}/uptime` are gone (404).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from oslo_policy import policy

from api.auth import Caller
from api.bodies.servers import dashed
from api.deps import Authorize, CloudDep, CloudServices
from api.microversions import ComputeVersion, Version
from api.responses.compute import (
    Hypervisor,
    HypervisorDetail,
    HypervisorDetailV228,
    HypervisorStatistics,
)
from api.responses.hypervisors import (
    HypervisorDetailListV253,
    HypervisorDetailV253,
    HypervisorDetailV288,
    HypervisorMatches,
    HypervisorShowV253,
    HypervisorUptimeShow,
    HypervisorWithServers,
)
from api.routers.compute_hosts import Service, services
from domain.errors import InvalidInput, NotFound
from projections.servers import ServerViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: hypervisors"])

RULES = [policy.RuleDefault(f"os_compute_api:os-hypervisors:{name}", "rule:admin_api")
         for name in ("list", "list-detail", "show", "statistics", "servers", "search",
                      "uptime")]


def hypervisor_body(s: Service, version: Version, detailed: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": s.hypervisor_id(version), "hypervisor_hostname": s.host,
                            "state": "up" if s.up else "down", "status": s.status}
    if not detailed:
        return body
    if version >= "2.88":  # the statistics-style fields dropped, the uptime shown instead
        return {**body, "hypervisor_type": s.state.hypervisor_type,
                "hypervisor_version": s.state.hypervisor_version, "host_ip": None,
                "service": {"host": s.host, "id": s.service_id(version),
                            "disabled_reason": s.disabled_reason},
                "uptime": uptime_text(s, time.time()) if s.up else None}
    st = s.state
    free_ram, free_disk = st.memory_mb - st.used_ram, st.disk_gb - st.used_disk
    body.update({
        "vcpus": st.vcpus, "vcpus_used": st.used_vcpus, "memory_mb": st.memory_mb,
        "memory_mb_used": st.used_ram, "local_gb": st.disk_gb, "local_gb_used": st.used_disk,
        "free_ram_mb": free_ram, "free_disk_gb": free_disk, "disk_available_least": free_disk,
        "current_workload": 0, "running_vms": len(st.instances),
        "hypervisor_type": st.hypervisor_type, "hypervisor_version": st.hypervisor_version,
        "host_ip": None, "cpu_info": {} if version >= "2.28" else "{}",
        "service": {"host": s.host, "id": s.service_id(version),
                    "disabled_reason": s.disabled_reason}})
    return body


def servers_on(cloud: CloudServices, host: str) -> list[dict[str, str]]:
    """The live servers placed on a host, oldest first, as Nova lists a hypervisor's."""
    rows = ServerViews(cloud.store).list({"host": host})
    return [{"uuid": dashed(r["id"]), "name": r["name"]} for r in reversed(rows)]


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


def detail_model(version: Version) -> type[HypervisorDetail] | type[HypervisorDetailV288]:
    if version >= "2.88":
        return HypervisorDetailV288
    if version >= "2.53":
        return HypervisorDetailV253
    return HypervisorDetailV228 if version >= "2.28" else HypervisorDetail


def shown(cloud: CloudServices, s: Service, version: Version, detailed: bool,
          with_servers: bool) -> Hypervisor:
    body = hypervisor_body(s, version, detailed)
    servers = servers_on(cloud, s.host) if with_servers and version >= "2.53" else []
    if servers or (with_servers and version >= "2.75"):  # none: no key before 2.75 (Nova)
        body["servers"] = servers
    model = detail_model(version) if detailed else HypervisorWithServers
    return model.model_validate(body)


def hypervisor_list(cloud: CloudServices, version: Version, detailed: bool, limit: int | None,
                    marker: str | None, pattern: str | None,
                    with_servers: bool) -> dict[str, Any]:
    found = services(cloud)
    if pattern is not None and version >= "2.53":
        found = [s for s in found if pattern in s.host]
        if not found:
            raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return {"hypervisors": [shown(cloud, s, version, detailed, with_servers)
                            for s in page(found, version, limit, marker)]}


def matching(cloud: CloudServices, version: Version, pattern: str) -> list[Service]:
    """Before 2.53, `/{pattern}/search` and `/{pattern}/servers`: hostnames containing it."""
    if version >= "2.53":
        raise NotFound("The resource could not be found.")
    found = [s for s in services(cloud) if pattern in s.host]
    if not found:
        raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return found


def by_id(cloud: CloudServices, version: Version, hypervisor_id: str) -> Service:
    if version >= "2.53":
        try:
            UUID(hypervisor_id)
        except ValueError:
            raise InvalidInput(f"Invalid uuid {hypervisor_id}") from None
    for s in services(cloud):
        if str(s.hypervisor_id(version)) == hypervisor_id:
            return s
    raise NotFound(f"Hypervisor with ID {hypervisor_id} could not be found.")


def uptime_text(s: Service, now: float) -> str:
    """As `uptime` prints it; counted from the compute service's first heartbeat, the only
    start the events know (Nova runs `uptime` on the host)."""
    up = max(0, int(now - s.state.first_beat)) if s.state.first_beat else 0
    days, rest = divmod(up, 86400)
    clock = datetime.fromtimestamp(now, UTC).strftime("%H:%M:%S")
    return f" {clock} up {days} days, {rest // 3600}:{rest % 3600 // 60:02d}"


def rule(name: str) -> Any:
    return Depends(Authorize(f"os_compute_api:os-hypervisors:{name}"))


Lister = Annotated[Caller, rule("list")]
DetailLister = Annotated[Caller, rule("list-detail")]
Shower = Annotated[Caller, rule("show")]
Statistician = Annotated[Caller, rule("statistics")]
ServerLister = Annotated[Caller, rule("servers")]
Searcher = Annotated[Caller, rule("search")]
UptimeReader = Annotated[Caller, rule("uptime")]
Limit = Annotated[int | None, Query(ge=0)]


@router.get("/os-hypervisors", response_model=HypervisorMatches)
def hypervisors(cloud: CloudDep, caller: Lister, version: ComputeVersion, limit: Limit = None,
                marker: str | None = None, hypervisor_hostname_pattern: str | None = None,
                with_servers: bool = False) -> dict[str, Any]:
    return hypervisor_list(cloud, version, False, limit, marker, hypervisor_hostname_pattern,
                           with_servers)


@router.get("/os-hypervisors/detail", response_model=HypervisorDetailListV253)
def hypervisors_detail(cloud: CloudDep, caller: DetailLister, version: ComputeVersion,
                       limit: Limit = None, marker: str | None = None,
                       hypervisor_hostname_pattern: str | None = None,
                       with_servers: bool = False) -> dict[str, Any]:
    return hypervisor_list(cloud, version, True, limit, marker, hypervisor_hostname_pattern,
                           with_servers)


@router.get("/os-hypervisors/statistics", response_model=HypervisorStatistics)
def statistics(cloud: CloudDep, caller: Statistician, version: ComputeVersion) -> dict[str, Any]:
    if version >= "2.88":  # removed: placement has these numbers
        raise NotFound("The resource could not be found.")
    bodies = [hypervisor_body(s, Version(2, 1), True) for s in services(cloud)]
    keys = ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
            "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
            "disk_available_least")
    totals = {key: sum(b[key] for b in bodies) for key in keys}
    return {"hypervisor_statistics": {"count": len(bodies), **totals}}


@router.get("/os-hypervisors/{hypervisor_id}", response_model=HypervisorShowV253)
def hypervisor(hypervisor_id: str, cloud: CloudDep, caller: Shower, version: ComputeVersion,
               with_servers: bool = False) -> dict[str, Any]:
    s = by_id(cloud, version, hypervisor_id)
    return {"hypervisor": shown(cloud, s, version, True, with_servers)}


@router.get("/os-hypervisors/{hypervisor_id}/uptime", response_model=HypervisorUptimeShow)
def uptime(hypervisor_id: str, cloud: CloudDep, caller: UptimeReader,
           version: ComputeVersion) -> dict[str, Any]:
    if version >= "2.88":  # removed: the detail shows the uptime
        raise NotFound("The resource could not be found.")
    s = by_id(cloud, version, hypervisor_id)
    return {"hypervisor": {**hypervisor_body(s, version, False),
                           "uptime": uptime_text(s, time.time())}}


@router.get("/os-hypervisors/{pattern}/search", response_model=HypervisorMatches)
def search(pattern: str, cloud: CloudDep, caller: Searcher,
           version: ComputeVersion) -> dict[str, Any]:
    return {"hypervisors": [hypervisor_body(s, version, False)
                            for s in matching(cloud, version, pattern)]}


@router.get("/os-hypervisors/{pattern}/servers", response_model=HypervisorMatches)
def servers(pattern: str, cloud: CloudDep, caller: ServerLister,
            version: ComputeVersion) -> dict[str, Any]:
    found = []
    for s in matching(cloud, version, pattern):
        on = servers_on(cloud, s.host)
        found.append({**hypervisor_body(s, version, False), **({"servers": on} if on else {})})
    return {"hypervisors": found}
