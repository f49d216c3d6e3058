"""Cinder's volume, quota set and limits bodies. Admins see the host attributes too."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, create_model

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
    server_id: NullStr
    host_name: NullStr
    device: str
    attached_at: str


def admin_only(alias: str) -> Any:
    return Field(default=MISSING, alias=alias)


class Volume(VolumeSummary):
    """Cinder's volume at 3.0; the classes below add what later microversions show."""
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
    volume_type: str
    snapshot_id: NullStr
    source_volid: NullStr
    consistencygroup_id: NullStr
    replication_status: NullStr
    migration_status: NullStr
    volume_image_metadata: dict[str, str] = MISSING  # type: ignore[assignment]  # from an image
    tenant_id: str = admin_only("os-vol-tenant-attr:tenant_id")
    host: NullStr = admin_only("os-vol-host-attr:host")
    migstat: NullStr = admin_only("os-vol-mig-status-attr:migstat")
    name_id: NullStr = admin_only("os-vol-mig-status-attr:name_id")


class VolumeV313(Volume):
    group_id: NullStr


class VolumeV321(VolumeV313):
    provider_id: NullStr = MISSING  # type: ignore[assignment]  # admins only


class VolumeV348(VolumeV321):
    service_uuid: NullStr
    shared_targets: bool


class VolumeV361(VolumeV348):
    cluster_name: NullStr = MISSING  # type: ignore[assignment]  # admins only


class VolumeV363(VolumeV361):
    volume_type_id: str


class VolumeV364(VolumeV363):
    encryption_key_id: NullStr


class VolumeV365(VolumeV364):
    consumes_quota: bool


# Newest first: a request's microversion gets the first model at or below it (Cinder's
# api_microversion_history: 3.13 group_id, 3.21 provider_id, 3.48 service_uuid and
# shared_targets, 3.61 cluster_name, 3.63 volume_type_id, 3.64 encryption_key_id,
# 3.65 consumes_quota).
VOLUME_MODELS: tuple[tuple[str, type[Volume]], ...] = (
    ("3.65", VolumeV365), ("3.64", VolumeV364), ("3.63", VolumeV363), ("3.61", VolumeV361),
    ("3.48", VolumeV348), ("3.21", VolumeV321), ("3.13", VolumeV313), ("3.0", Volume))
AnyVolume = (VolumeV365 | VolumeV364 | VolumeV363 | VolumeV361 | VolumeV348 | VolumeV321
             | VolumeV313 | Volume)


class VolumeShow(Body):
    volume: AnyVolume


class VolumeList(Body):
    volumes: list[VolumeSummary]
    volumes_links: list[Link] = MISSING  # type: ignore[assignment]
    count: int = MISSING  # type: ignore[assignment]  # with_count (3.45)


class VolumeDetailList(Body):
    volumes: list[AnyVolume]
    volumes_links: list[Link] = MISSING  # type: ignore[assignment]
    count: int = MISSING  # type: ignore[assignment]


# Cinder's quota resources: the two this cloud sets, and those of features it does not offer.
RESOURCES = ("volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "groups",
             "per_volume_gigabytes")


class Usage(Body):  # ?usage=true
    limit: int
    in_use: int
    reserved: int
    allocated: int


class TypedCounts(Body):
    """Beside Cinder's resources, those of each volume type (`volumes_<type name>`...)."""
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, int]


class TypedUsages(Body):
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Usage]


QuotaSet: Any = create_model("VolumeQuotaSet", __base__=TypedCounts, id=(str, MISSING),
                             **{k: (int, ...) for k in RESOURCES})  # type: ignore[call-overload]
QuotaUsage: Any = create_model("VolumeQuotaUsage", __base__=TypedUsages, id=(str, MISSING),
                               **{k: (Usage, ...) for k in RESOURCES})  # type: ignore[call-overload]


class QuotaSetShow(Body):
    quota_set: QuotaSet


class QuotaClassShow(Body):
    quota_class_set: QuotaSet


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
