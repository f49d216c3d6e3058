"""Compute hosts as Nova's admin views show them: `/os-services` and `/os-availability-zone`
(`/os-hypervisors` is api/routers/compute_hypervisors.py, over the same `services()`).

Capacity, usage, enablement and the last heartbeat come from the capacity view (an in-memory
read model); the registration order (Nova's integer ids before 2.53) and the disable reason from
the server read model. Up or down is the heartbeat's age against `service_down_time`.
Microversions: forced_down shown from 2.11, uuid ids and `PUT /os-services/{id}` from 2.53 (the
`enable`/`disable` forms before).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.control_services import compute_control
from api.deps import Authorize, CloudDep, CloudServices
from api.microversions import ComputeVersion, Version
from api.responses.compute import Service as ServiceBody
from api.responses.compute import (
    ServiceList,
    ServiceUpdated,
    ServiceV211,
    Zones,
)
from api.routers.compute_server_actions import parsed
from api.routers.compute_servers import caught_up
from api.strict_query import known_query
from domain.compute.heartbeat import heartbeat_id
from domain.compute.scheduling.host_state import HostState
from domain.errors import InvalidInput, NotFound
from projections.servers import ServerViews
from projections.store import Row

router = APIRouter(prefix="/compute/v2.1", tags=["compute: hosts"])

RULES = [policy.RuleDefault(f"os_compute_api:{name}", "rule:admin_api") for name in (
    "os-services:list", "os-services:update", "os-availability-zone:detail")] + [
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
    return _validated(body, version, s.state.forced_down)


def control_body(row: Row, version: Version) -> ServiceBody:
    """A scheduler or conductor (api/control_services.py): always enabled, never forced down."""
    body: dict[str, Any] = {"id": row["uuid"] if version >= "2.53" else int(row["seq"]),
                            "binary": row["binary"], "host": row["host"], "zone": row["zone"],
                            "status": "enabled", "state": "up" if row["up"] else "down",
                            "updated_at": row["updated_at"], "disabled_reason": None}
    return _validated(body, version, False)


def _validated(body: dict[str, Any], version: Version, forced_down: bool) -> ServiceBody:
    if version >= "2.11":
        body["forced_down"] = forced_down
    return (ServiceV211 if version >= "2.11" else ServiceBody).model_validate(body)


def not_updatable(binary: str) -> InvalidInput:
    """Nova updates (enables, disables, forces down) nova-compute services only."""
    return InvalidInput(f"Updating a {binary} service is not supported. Only nova-compute "
                        "services can be updated.")


# -- /os-services ----------------------------------------------------------------------------

ServiceReader = Annotated[Caller, Depends(Authorize("os_compute_api:os-services:list"))]
ServiceWriter = Annotated[Caller, Depends(Authorize("os_compute_api:os-services:update"))]
Reason = Annotated[str, Field(min_length=1, max_length=255)]


class LegacyServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str
    binary: str
    disabled_reason: Reason | None = None


class LegacyForceDown(BaseModel):
    """`PUT /os-services/force-down` (2.11 to 2.52)."""
    model_config = ConfigDict(extra="forbid")
    host: str
    binary: str
    forced_down: bool


def legacy_force_down(cloud: CloudServices, caller: Caller,
                      params: LegacyForceDown) -> dict[str, Any]:
    if params.binary != COMPUTE:
        raise not_updatable(params.binary)
    if params.host not in cloud.capacity.hosts():
        raise NotFound(f"Service {params.binary} on host {params.host} could not be found.")
    cloud.hosts.force_down(caller.ctx, params.host, params.forced_down)
    return {"service": {"host": params.host, "binary": COMPUTE,
                        "forced_down": params.forced_down}}


class ServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["enabled", "disabled"] | None = None
    disabled_reason: Reason | None = None
    forced_down: bool | None = None


@router.get("/os-services", response_model=ServiceList,
            dependencies=[known_query("host", "binary")])
def service_list(cloud: CloudDep, caller: ServiceReader, version: ComputeVersion,
                 host: str | None = None, binary: str | None = None) -> dict[str, Any]:
    """The compute services and the control services, in registration order (Nova's ids)."""
    found = [(s.seq, service_body(s, version)) for s in services(cloud)
             if host in (None, s.host) and binary in (None, COMPUTE)]
    found += [(int(r["seq"]), control_body(r, version)) for r in compute_control(cloud)
              if host in (None, r["host"]) and binary in (None, r["binary"])]
    return {"services": [body for _, body in sorted(found, key=lambda seq_body: seq_body[0])]}


@router.put("/os-services/{service_id}", response_model=ServiceUpdated)
def service_update(service_id: str, cloud: CloudDep, caller: ServiceWriter,
                   version: ComputeVersion,
                   body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    if version >= "2.53":
        return update_by_id(cloud, caller, version, service_id, parsed(ServiceUpdate, body))
    if service_id == "force-down" and version >= "2.11":
        return legacy_force_down(cloud, caller, parsed(LegacyForceDown, body))
    if service_id not in ("enable", "disable", "disable-log-reason"):
        raise NotFound(f"Unknown action {service_id}")
    params: LegacyServiceUpdate = parsed(LegacyServiceUpdate, body)
    if service_id == "disable-log-reason" and not params.disabled_reason:
        raise InvalidInput("Missing disabled reason field")
    if params.binary != COMPUTE:
        raise not_updatable(params.binary)
    if params.host not in cloud.capacity.hosts():
        raise NotFound(f"Service {params.binary} on host {params.host} could not be found.")
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
    control = [r["binary"] for r in compute_control(cloud) if r["uuid"] == wanted]
    if control:
        raise not_updatable(control[0])
    if not found:
        raise NotFound(f"Service {service_id} could not be found.")
    if params.status is None and params.forced_down is None:
        raise InvalidInput("At least one of status or forced_down must be specified.")
    if params.disabled_reason is not None and params.status != "disabled":
        raise InvalidInput("Specifying 'disabled_reason' with status 'enabled' is invalid.")
    host = found[0].host
    if params.forced_down is not None:
        cloud.hosts.force_down(caller.ctx, host, params.forced_down)
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
    (as in Nova), and available zones come first. Nova's internal zone (its scheduler and
    conductor, always enabled) is shown only in the detail, to administrators."""
    by_zone: dict[str, list[Service]] = {}
    for s in services(cloud):
        by_zone.setdefault(s.state.availability_zone, []).append(s)
    control: dict[str, dict[str, dict[str, Any]]] = {}
    for r in compute_control(cloud) if detailed else ():
        control.setdefault(r["zone"], {}).setdefault(r["host"], {})[r["binary"]] = {
            "available": r["up"], "active": True, "updated_at": r["updated_at"]}
        by_zone.setdefault(r["zone"], [])
    info = []
    for name, members in sorted(by_zone.items(),
                                key=lambda z: (not _available(z[1], z[0] in control), z[0])):
        hosts: dict[str, dict[str, Any]] = {}
        for s in members:
            hosts.setdefault(s.host, {})[COMPUTE] = {
                "available": s.up, "active": s.state.enabled, "updated_at": s.updated_at}
        for host, binaries in control.get(name, {}).items():
            hosts.setdefault(host, {}).update(binaries)
        info.append({"zoneName": name,
                     "zoneState": {"available": _available(members, name in control)},
                     "hosts": hosts if detailed else None})
    return {"availabilityZoneInfo": info}


def _available(members: list[Service], has_control: bool = False) -> bool:
    return has_control or any(s.state.enabled for s in members)


@router.get("/os-availability-zone", response_model=Zones)
def zone_list(cloud: CloudDep, caller: ZoneReader) -> dict[str, Any]:
    return zones(cloud, detailed=False)


@router.get("/os-availability-zone/detail", response_model=Zones)
def zone_detail(cloud: CloudDep, caller: ZoneAdmin) -> dict[str, Any]:
    return zones(cloud, detailed=True)
