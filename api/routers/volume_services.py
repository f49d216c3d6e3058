"""Block Storage's admin views of its volume services: `/os-services` (list, enable, disable),
`/scheduler-stats/get_pools` and the zones volumes are offered in (`/os-availability-zone`).

Each storage host's volume worker registers a cinder-volume service named `host@backend` (its
pool) and beats; up or down is the age of its last beat against `service_down_time`, as
Cinder judges it. Cinder's scheduler is the API process's (api/control_services.py), listed
with the host alone as Cinder's is. Pools are named `host@backend#pool` with the capacity of the
last beat.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from oslo_policy import policy

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project
from api.control_services import volume_control
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import VolumeVersion
from api.policy import PolicyEngine
from api.volume_placement import DRIVER_VERSION, PROTOCOL, VENDOR, is_up
from domain.errors import InvalidInput, NotFound
from domain.storage.service import BINARY
from projections.storage_services import StorageServiceViews
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["volume: services"])

RULES = [
    policy.RuleDefault("volume_extension:services:index", "rule:admin_api"),
    policy.RuleDefault("volume_extension:services:update", "rule:admin_api"),
    policy.RuleDefault("scheduler_extension:scheduler_stats:get_pools", "rule:admin_api"),
    policy.RuleDefault("volume_extension:availability_zone_list", "rule:admin_or_reader"),
    policy.RuleDefault("volume_extension:capabilities", "rule:admin_api"),
]


def enforce(engine: PolicyEngine, caller: Caller, rule: str) -> None:
    engine.enforce(rule, {"project_id": caller.project_id}, caller.creds)


def service_host(row: Row) -> str:
    return f"{row['host']}@{row['backend']}"


def host_matches(row: Row, host: str) -> bool:
    """Cinder's host filter: the host alone, or with its backend (and pool)."""
    return host in (row["host"], service_host(row), f"{service_host(row)}#{row['backend']}")


def service_body(cloud: CloudServices, row: Row, version: VolumeVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "binary": BINARY, "host": service_host(row), "zone": row["zone"],
        "status": "enabled" if row["enabled"] else "disabled",
        "state": "up" if is_up(cloud, row) else "down", "updated_at": row["updated_at"],
        "disabled_reason": row["disabled_reason"], "frozen": False,
        "replication_status": "disabled", "active_backend_id": None}
    if version >= "3.7":
        body["cluster"] = None
    if version >= "3.49":
        body["backend_state"] = body["state"]
    return body


def control_body(row: Row, version: VolumeVersion) -> dict[str, Any]:
    """The scheduler's: Cinder shows replication, freezing and backend state of volume
    services only."""
    body: dict[str, Any] = {
        "binary": row["binary"], "host": row["host"], "zone": row["zone"],
        "status": "enabled", "state": "up" if row["up"] else "down",
        "updated_at": row["updated_at"], "disabled_reason": None}
    if version >= "3.7":
        body["cluster"] = None
    return body


@router.get("/os-services")
def list_services(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
                  version: VolumeVersion, host: str | None = None,
                  binary: str | None = None) -> dict[str, Any]:
    """The volume services and the scheduler, in registration order (Cinder's by id)."""
    check_path_project(project_id, caller)
    enforce(engine, caller, "volume_extension:services:index")
    found = [(int(r["seq"]), service_body(cloud, r, version))
             for r in StorageServiceViews(cloud.store).all()
             if (host is None or host_matches(r, host)) and binary in (None, BINARY)]
    found += [(int(r["seq"]), control_body(r, version)) for r in volume_control(cloud)
              if host in (None, r["host"]) and binary in (None, r["binary"])]
    return {"services": [body for _, body in sorted(found, key=lambda seq_body: seq_body[0])]}


def the_service(cloud: CloudServices, body: dict[str, Any]) -> Row:
    host, binary = body.get("host"), body.get("binary", BINARY)
    if not isinstance(host, str) or not isinstance(binary, str):
        raise InvalidInput("Invalid input received: host and binary must be strings.")
    found = [r for r in StorageServiceViews(cloud.store).all() if host_matches(r, host)]
    if not found or binary != BINARY:
        raise NotFound(f"Service {binary} on host {host} could not be found.")
    return found[0]


@router.put("/os-services/{action}")
def update_service(project_id: str, action: str, cloud: CloudDep, caller: CallerDep,
                   engine: PolicyDep, body: Annotated[Any, Body()] = None) -> dict[str, Any]:
    """Cinder's enable, disable and disable-log-reason; freeze and thaw are for replicated
    backends, which there are none of."""
    check_path_project(project_id, caller)
    enforce(engine, caller, "volume_extension:services:update")
    if not isinstance(body, dict):
        raise InvalidInput("Invalid input received: a body is required.")
    if action in ("freeze", "thaw", "failover_host", "failover"):
        raise InvalidInput(f"Invalid input received: {action} of host {body.get('host')} is "
                           "not supported: no backend here is replicated.")
    if action not in ("enable", "disable", "disable-log-reason"):
        raise NotFound(f"Unknown action {action}")
    reason = body.get("disabled_reason")
    if action == "disable-log-reason" and (not isinstance(reason, str) or not reason.strip()
                                           or len(reason) > 255):
        raise InvalidInput("Disabled reason contains invalid characters or is too long")
    row = the_service(cloud, body)
    if action == "enable":
        cloud.volume_hosts.enable(caller.ctx, row["host"])
    else:
        cloud.volume_hosts.disable(caller.ctx, row["host"],
                                   reason if action == "disable-log-reason" else None)
    answer = {"host": body["host"], "service": BINARY, "binary": BINARY,
              "disabled": action != "enable",
              "status": "enabled" if action == "enable" else "disabled"}
    if action != "disable":
        answer["disabled_reason"] = reason if action == "disable-log-reason" else None
    return answer


@router.get("/scheduler-stats/get_pools")
def get_pools(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
              engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    enforce(engine, caller, "scheduler_extension:scheduler_stats:get_pools")
    detailed = request.query_params.get("detail", "false").lower() in ("true", "1", "yes")
    pools = []
    for row in StorageServiceViews(cloud.store).all():
        pool: dict[str, Any] = {"name": f"{service_host(row)}#{row['backend']}"}
        if detailed:
            pool["capabilities"] = {
                "volume_backend_name": row["backend"], "vendor_name": VENDOR,
                "storage_protocol": PROTOCOL, "driver_version": DRIVER_VERSION,
                "total_capacity_gb": row["total_gb"], "free_capacity_gb": row["free_gb"],
                "reserved_percentage": 0, "QoS_support": False,
                "timestamp": row["updated_at"]}
        pools.append(pool)
    return {"pools": pools}


@router.get("/capabilities/{host}")
def capabilities(project_id: str, host: str, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep) -> dict[str, Any]:
    """A backend's capabilities, named as its service (`host@backend`) or pool."""
    check_path_project(project_id, caller)
    enforce(engine, caller, "volume_extension:capabilities")
    found = [r for r in StorageServiceViews(cloud.store).all() if host_matches(r, host)]
    if not found:
        raise NotFound(f"Service {host} could not be found.")
    backend = found[0]["backend"]
    return {"namespace": f"OS::Storage::Capabilities::{host}", "vendor_name": VENDOR,
            "volume_backend_name": backend, "pool_name": backend,
            "driver_version": DRIVER_VERSION, "storage_protocol": PROTOCOL,
            "display_name": None, "description": None, "visibility": None,
            "replication_targets": [], "properties": {}}


@router.get("/os-availability-zone")
def zones(project_id: str, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    """The zones of the volume services; a zone is available while one of its enabled
    services is up. With no service registered yet, the zone volumes are offered in."""
    check_path_project(project_id, caller)
    enforce(engine, caller, "volume_extension:availability_zone_list")
    available: dict[str, bool] = {}
    for row in StorageServiceViews(cloud.store).all():
        up = row["enabled"] and is_up(cloud, row)
        available[row["zone"]] = available.get(row["zone"], False) or up
    if not available:
        available[cloud.volumes.availability_zone] = False
    return {"availabilityZoneInfo": [{"zoneName": zone, "zoneState": {"available": up}}
                                     for zone, up in available.items()]}
