"""Cinder's volume, quota set and limits bodies. Admins see the host attributes too."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.responses.base import MISSING, Body, Link, one_of
from api.responses.compute import counts
from domain.storage.volume_states import VolumeStatus

NullStr = str | None


class VolumeSummary(Body):
    id: str
    name: NullStr
    links: list[Link]


class VolumeAttachment(Body):
    id: str
    volume_id: str
    attachment_id: str
    server_id: str
    host_name: NullStr
    device: str
    attached_at: str


def admin_only(alias: str) -> Any:
    return Field(default=MISSING, alias=alias)


class Volume(VolumeSummary):
    description: NullStr
    status: one_of(s.value for s in VolumeStatus if s is not VolumeStatus.DELETED)  # type: ignore
    size: int
    availability_zone: str
    created_at: str
    updated_at: NullStr
    attachments: list[VolumeAttachment]
    bootable: one_of(["true", "false"])  # type: ignore[valid-type]
    encrypted: bool
    multiattach: bool
    metadata: dict[str, str]
    user_id: str
    tenant_id: str = Field(alias="os-vol-tenant-attr:tenant_id")
    volume_type: str
    volume_type_id: str
    snapshot_id: NullStr
    source_volid: NullStr
    consistencygroup_id: NullStr
    group_id: NullStr
    replication_status: NullStr
    migration_status: NullStr
    provider_id: NullStr
    service_uuid: NullStr
    shared_targets: bool
    cluster_name: NullStr
    consumes_quota: bool
    volume_image_metadata: dict[str, str] = MISSING  # type: ignore[assignment]  # from an image
    host: NullStr = admin_only("os-vol-host-attr:host")
    migstat: NullStr = admin_only("os-vol-mig-status-attr:migstat")
    name_id: NullStr = admin_only("os-vol-mig-status-attr:name_id")


class VolumeShow(Body):
    volume: Volume


class VolumeList(Body):
    volumes: list[VolumeSummary]
    volumes_links: list[Link] = MISSING  # type: ignore[assignment]


class VolumeDetailList(Body):
    volumes: list[Volume]
    volumes_links: list[Link] = MISSING  # type: ignore[assignment]


# Cinder's quota resources: the two this cloud sets, and those of features it does not offer.
RESOURCES = ("volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "groups",
             "per_volume_gigabytes")


class Usage(Body):  # ?usage=true
    limit: int
    in_use: int
    reserved: int
    allocated: int


QuotaSet: Any = counts("VolumeQuotaSet", RESOURCES, id=(str, MISSING))
QuotaUsage: Any = counts("VolumeQuotaUsage", RESOURCES, Usage, id=(str, MISSING))


class QuotaSetShow(Body):
    quota_set: QuotaSet


class QuotaUsageShow(Body):
    quota_set: QuotaSet | QuotaUsage


AbsoluteLimits: Any = counts("VolumeAbsoluteLimits", (
    "maxTotalVolumes", "maxTotalVolumeGigabytes", "totalVolumesUsed", "totalGigabytesUsed",
    "maxTotalSnapshots", "maxTotalBackups", "maxTotalBackupGigabytes", "totalSnapshotsUsed",
    "totalBackupsUsed", "totalBackupGigabytesUsed"))


class Limits(Body):
    rate: list[dict[str, Any]]
    absolute: AbsoluteLimits


class LimitsShow(Body):
    limits: Limits
