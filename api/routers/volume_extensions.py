"""Block Storage `/extensions` (the Cinder API extensions this cloud serves, in Cinder's words)
and `/os-hosts` (the hosts of the volume services and of the scheduler, as its older admin view
lists them, and a volume service's use per project)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from oslo_policy import policy

from api.bodies.volumes import PREFIX, check_path_project
from api.control_services import volume_control
from api.deps import CallerDep, CloudDep, PolicyDep
from api.volume_placement import is_up
from domain.errors import NotFound
from domain.storage.service import BINARY
from projections.storage_services import StorageServiceViews
from projections.volume_snapshots import VolumeSnapshotViews
from projections.volumes import VolumeViews

router = APIRouter(prefix=PREFIX, tags=["volume: extensions"])

RULES = [policy.RuleDefault("volume_extension:hosts", "rule:admin_api")]

# (name, alias, description, updated) of each extension served, as Cinder declares it.
EXTENSIONS = (
    ("AdminActions", "os-admin-actions", "Enable admin actions.", "2012-08-25T00:00:00+00:00"),
    ("AvailabilityZones", "os-availability-zone", "Describe Availability Zones.",
     "2013-06-27T00:00:00+00:00"),
    ("ExtendedServices", "os-extended-services", "Extended services support.",
     "2014-01-10T00:00:00-00:00"),
    ("Hosts", "os-hosts", "Admin-only host administration.", "2011-06-29T00:00:00+00:00"),
    ("Qos_specs_manage", "qos-specs", "QoS specs support.", "2013-08-02T00:00:00+00:00"),
    ("QuotaClasses", "os-quota-class-sets", "Quota classes management support.",
     "2012-03-12T00:00:00+00:00"),
    ("Quotas", "os-quota-sets", "Quota management support.", "2011-08-08T00:00:00+00:00"),
    ("SchedulerHints", "OS-SCH-HNT", "Pass arbitrary key/value pairs to the scheduler.",
     "2013-04-18T00:00:00+00:00"),
    ("Scheduler_stats", "scheduler-stats", "Scheduler stats support.",
     "2014-09-07T00:00:00+00:00"),
    ("Services", "os-services", "Services support.", "2012-10-28T00:00:00-00:00"),
    ("TypesExtraSpecs", "os-types-extra-specs", "Type extra specs support.",
     "2011-08-24T00:00:00+00:00"),
    ("TypesManage", "os-types-manage", "Types manage support.", "2011-08-24T00:00:00+00:00"),
    ("UsedLimits", "os-used-limits", "Provide data on limited resources that are being used.",
     "2013-10-03T00:00:00+00:00"),
    ("VolumeActions", "os-volume-actions", "Enable volume actions.",
     "2012-05-31T00:00:00+00:00"),
    ("VolumeHostAttribute", "os-vol-host-attr", "Expose host as an attribute of a volume.",
     "2011-11-03T00:00:00+00:00"),
    ("VolumeImageMetadata", "os-vol-image-meta",
     "Show image metadata associated with the volume.", "2012-12-07T00:00:00+00:00"),
    ("VolumeMigStatusAttribute", "os-vol-mig-status-attr",
     "Expose migration_status as an attribute of a volume.", "2013-08-08T00:00:00+00:00"),
    ("VolumeTenantAttribute", "os-vol-tenant-attr",
     "Expose the internal project_id as an attribute of a volume.",
     "2011-11-03T00:00:00+00:00"),
    ("VolumeTypeAccess", "os-volume-type-access", "Volume type access support.",
     "2014-06-26T00:00:00Z"),
)


@router.get("/extensions")
def extensions(project_id: str, caller: CallerDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return {"extensions": [{"name": name, "alias": alias, "description": description,
                            "updated": updated, "links": []}
                           for name, alias, description, updated in EXTENSIONS]}


@router.get("/os-hosts")
def hosts(project_id: str, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:hosts", {"project_id": caller.project_id}, caller.creds)
    found = [(int(row["seq"]), host_entry(f"{row['host']}@{row['backend']}", BINARY,
                                          row["zone"], is_up(cloud, row), row["enabled"],
                                          row["updated_at"]))
             for row in StorageServiceViews(cloud.store).all()]
    found += [(int(row["seq"]), host_entry(row["host"], row["binary"], row["zone"], row["up"],
                                           True, row["updated_at"]))
              for row in volume_control(cloud)]
    return {"hosts": [entry for _, entry in sorted(found, key=lambda seq_entry: seq_entry[0])]}


def host_entry(host: str, service: str, zone: str, up: bool, enabled: bool,
               updated_at: str) -> dict[str, Any]:
    """One service's host, its topic as `service` (a volume service's is its binary's name)."""
    return {"service-status": "available" if up else "unavailable", "service": service,
            "zone": zone, "service-state": "enabled" if enabled else "disabled",
            "host_name": host, "last-update": updated_at}


@router.get("/os-hosts/{host_name}")
def host_show(project_id: str, host_name: str, cloud: CloudDep, caller: CallerDep,
              engine: PolicyDep) -> dict[str, Any]:
    """Cinder's rows for an enabled volume service (`host@backend`): the volumes and snapshots
    on it in total, then per project that has a volume there, every number a string."""
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:hosts", {"project_id": caller.project_id}, caller.creds)
    found = [r for r in StorageServiceViews(cloud.store).all()
             if r["enabled"] and f"{r['host']}@{r['backend']}" == host_name]
    if not found:
        raise NotFound(f"Service {BINARY} could not be found on host {host_name}.")
    storage_host = found[0]["host"]
    volumes = [v for v in VolumeViews(cloud.store).list(None) if v["host"] == storage_host]
    on_host = {UUID(v["id"]) for v in volumes}
    snapshots = [s for s in VolumeSnapshotViews(cloud.store).list(None)
                 if UUID(str(s["volume_id"])) in on_host]
    projects = sorted({v["project_id"] for v in volumes})
    rows = [usage(host_name, "(total)", volumes, snapshots)]
    rows += [usage(host_name, project,
                   [v for v in volumes if v["project_id"] == project],
                   [s for s in snapshots if s["project_id"] == project]) for project in projects]
    return {"host": rows}


def usage(host: str, project: str, volumes: list[dict[str, Any]],
          snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resource": {"host": host, "project": project, "volume_count": str(len(volumes)),
                         "total_volume_gb": str(sum(int(v["size"]) for v in volumes)),
                         "snapshot_count": str(len(snapshots)),
                         "total_snapshot_gb": str(sum(int(s["size"]) for s in snapshots))}}
