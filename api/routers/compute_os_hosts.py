"""Compute `/os-hosts` (deprecated; gone from 2.43, where it answers 404 as Nova does).

Lists the hosts of the compute services and of the scheduler and conductor (the API process's
host, in Nova's internal zone) with their zones, shows a compute host's capacity and its use per
project (from the capacity view and the server read model), enables or disables a host's compute
service.
Maintenance mode and host power actions are not something the libvirt driver does: Nova answers
501 for them, and so do we (after the same 404 for an unknown host).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, model_validator

from api.auth import Caller
from api.control_services import TOPICS, compute_control
from api.deps import Authorize, CloudDep, CloudServices
from api.errors import ApiError
from api.microversions import ComputeVersion, Version
from api.responses.hosts import HostList, HostPowerAction, HostShow, HostUpdated
from api.routers.compute_hosts import Service, services
from domain.errors import NotFound
from projections.servers import ServerViews

NOT_IMPLEMENTED: dict[int | str, dict[str, Any]] = {
    501: {"description": "Not implemented by the libvirt driver (notImplemented)"}}

router = APIRouter(prefix="/compute/v2.1", tags=["compute: os-hosts"])

RULES = [policy.RuleDefault(f"os_compute_api:os-hosts:{name}", "rule:admin_api")
         for name in ("list", "show", "update", "reboot", "shutdown", "start")]


class HostUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["enable", "disable"] | None = None
    maintenance_mode: Literal["enable", "disable"] | None = None

    @model_validator(mode="after")
    def some(self) -> HostUpdate:
        if self.status is None and self.maintenance_mode is None:
            raise ValueError("'status' or 'maintenance_mode' is required")
        return self


def existing(cloud: CloudServices, version: Version, host: str) -> Service:
    if version >= "2.43":
        raise NotFound("The resource could not be found.")
    for s in services(cloud):
        if s.host == host:
            return s
    raise NotFound(f"Compute host {host} could not be found.")


def resource(host: str, project: str, cpu: int, memory_mb: int, disk_gb: int) -> dict[str, Any]:
    return {"resource": {"host": host, "project": project, "cpu": cpu, "memory_mb": memory_mb,
                         "disk_gb": disk_gb}}


def usage_rows(cloud: CloudServices, s: Service) -> list[dict[str, Any]]:
    """Nova's rows: the host's total, used now, used at most, then each project's use."""
    st = s.state
    by_project: dict[str, list[int]] = {}
    for server in ServerViews(cloud.store).list({"host": s.host}):
        flavor = server["flavor"]
        used = by_project.setdefault(server["project_id"], [0, 0, 0])
        used[0] += int(flavor["vcpus"])
        used[1] += int(flavor["ram"])
        used[2] += int(flavor["disk"]) + int(flavor.get("ephemeral") or 0)
    rows = [resource(s.host, "(total)", st.vcpus, st.memory_mb, st.disk_gb),
            resource(s.host, "(used_now)", st.used_vcpus, st.used_ram, st.used_disk),
            resource(s.host, "(used_max)", *(sum(u[i] for u in by_project.values())
                                             for i in range(3)))]
    return rows + [resource(s.host, project, *used) for project, used in sorted(
        by_project.items())]


def rule(name: str) -> Any:
    return Depends(Authorize(f"os_compute_api:os-hosts:{name}"))


@router.get("/os-hosts", response_model=HostList)
def host_list(cloud: CloudDep, caller: Annotated[Caller, rule("list")], version: ComputeVersion,
              zone: str | None = None) -> dict[str, Any]:
    if version >= "2.43":
        raise NotFound("The resource could not be found.")
    """Each service's host in registration order, as Nova lists its services' (a host shows once
    per service it runs)."""
    found = [(s.seq, {"host_name": s.host, "service": "compute",
                      "zone": s.state.availability_zone}) for s in services(cloud)]
    found += [(int(r["seq"]), {"host_name": r["host"], "service": TOPICS[r["binary"]],
                               "zone": r["zone"]}) for r in compute_control(cloud)]
    return {"hosts": [host for _, host in sorted(found, key=lambda seq_host: seq_host[0])
                      if not zone or host["zone"] == zone]}


@router.get("/os-hosts/{host_name}", response_model=HostShow)
def host_show(host_name: str, cloud: CloudDep, caller: Annotated[Caller, rule("show")],
              version: ComputeVersion) -> dict[str, Any]:
    return {"host": usage_rows(cloud, existing(cloud, version, host_name))}


@router.put("/os-hosts/{host_name}", response_model=HostUpdated, responses=NOT_IMPLEMENTED)
def host_update(host_name: str, body: HostUpdate, cloud: CloudDep,
                caller: Annotated[Caller, rule("update")],
                version: ComputeVersion) -> dict[str, Any]:
    s = existing(cloud, version, host_name)
    if body.maintenance_mode is not None:
        raise ApiError(501, "Maintenance mode is not implemented by the libvirt driver.")
    if body.status == "enable":
        cloud.hosts.enable(caller.ctx, s.host)
    else:
        cloud.hosts.disable(caller.ctx, s.host)
    return {"host": s.host, "status": f"{body.status}d"}


def not_implemented(cloud: CloudServices, version: Version, host: str, action: str) -> Any:
    existing(cloud, version, host)
    raise ApiError(501, f"Host power action {action} is not implemented by the libvirt driver.")


@router.get("/os-hosts/{host_name}/startup", response_model=HostPowerAction,
            responses=NOT_IMPLEMENTED)
def host_startup(host_name: str, cloud: CloudDep, caller: Annotated[Caller, rule("start")],
                 version: ComputeVersion) -> Any:
    return not_implemented(cloud, version, host_name, "startup")


@router.get("/os-hosts/{host_name}/shutdown", response_model=HostPowerAction,
            responses=NOT_IMPLEMENTED)
def host_shutdown(host_name: str, cloud: CloudDep, caller: Annotated[Caller, rule("shutdown")],
                  version: ComputeVersion) -> Any:
    return not_implemented(cloud, version, host_name, "shutdown")


@router.get("/os-hosts/{host_name}/reboot", response_model=HostPowerAction,
            responses=NOT_IMPLEMENTED)
def host_reboot(host_name: str, cloud: CloudDep, caller: Annotated[Caller, rule("reboot")],
                version: ComputeVersion) -> Any:
    return not_implemented(cloud, version, host_name, "reboot")
