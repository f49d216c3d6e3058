"""The OpenAPI document's bodies of Cinder's volumes, quota sets and limits
(api/volume_views.py, api/routers/volume_quotas.py). Admins see the host attributes too."""

from __future__ import annotations

from api.openapi_schema import (
    BOOL,
    INT,
    LINKS,
    STR,
    STRINGS,
    Schema,
    answers,
    array,
    enum,
    ints,
    listing,
    nullable,
    obj,
    wrap,
)
from api.routers.volume_quotas import NOT_OFFERED, SETTABLE
from domain.storage.volume_states import VolumeStatus

VOLUMES = "/volume/v3/{project_id}/volumes"
QUOTAS = "/volume/v3/{project_id}/os-quota-sets/{target_id}"
NULL_STR = nullable(STR)

SUMMARY = obj({"id": STR, "name": NULL_STR, "links": LINKS})
ATTACHMENT = obj({"id": STR, "volume_id": STR, "attachment_id": STR, "server_id": STR,
                  "device": STR, "attached_at": STR}, {"host_name": NULL_STR})
DETAIL = obj({
    "id": STR, "name": NULL_STR, "links": LINKS, "description": NULL_STR,
    "status": enum(s.value for s in VolumeStatus if s is not VolumeStatus.DELETED),
    "size": INT, "availability_zone": STR, "created_at": STR, "updated_at": NULL_STR,
    "attachments": array(ATTACHMENT), "bootable": enum(["true", "false"]), "encrypted": BOOL,
    "multiattach": BOOL, "metadata": STRINGS, "user_id": STR,
    "os-vol-tenant-attr:tenant_id": STR, "volume_type": STR,
    "snapshot_id": NULL_STR, "source_volid": NULL_STR, "replication_status": NULL_STR,
}, {
    "volume_type_id": STR, "consistencygroup_id": NULL_STR, "group_id": NULL_STR,
    "migration_status": NULL_STR, "provider_id": NULL_STR, "service_uuid": NULL_STR,
    "shared_targets": BOOL, "cluster_name": NULL_STR, "consumes_quota": BOOL,
    "volume_image_metadata": STRINGS,  # a volume made from an image
    "os-vol-host-attr:host": NULL_STR, "os-vol-mig-status-attr:migstat": NULL_STR,
    "os-vol-mig-status-attr:name_id": NULL_STR,  # admins
})

RESOURCES = (*SETTABLE, *NOT_OFFERED)
USAGE = obj(ints("limit", "in_use", "reserved", "allocated"))  # ?usage=true
QUOTA_SET = obj(ints(*RESOURCES), {"id": STR})
QUOTA_USAGE = obj({r: USAGE for r in RESOURCES}, {"id": STR})
LIMITS = wrap("limits", obj({"rate": array({"type": "object"}), "absolute": obj(ints(
    "maxTotalVolumes", "maxTotalVolumeGigabytes", "totalVolumesUsed", "totalGigabytesUsed",
    "maxTotalSnapshots", "maxTotalBackups", "maxTotalBackupGigabytes", "totalSnapshotsUsed",
    "totalBackupsUsed", "totalBackupGigabytesUsed"))}))

RESPONSES: dict[tuple[str, str], dict[str, Schema]] = {
    ("post", VOLUMES): answers(wrap("volume", DETAIL), 202),
    ("get", VOLUMES): answers(listing("volumes", SUMMARY, "volumes_links")),
    ("get", f"{VOLUMES}/detail"): answers(listing("volumes", DETAIL, "volumes_links")),
    ("get", f"{VOLUMES}/{{volume_id}}"): answers(wrap("volume", DETAIL)),
    ("put", f"{VOLUMES}/{{volume_id}}"): answers(wrap("volume", DETAIL)),
    ("get", QUOTAS): answers(wrap("quota_set", {"anyOf": [QUOTA_SET, QUOTA_USAGE]})),
    ("put", QUOTAS): answers(wrap("quota_set", QUOTA_SET)),
    ("get", f"{QUOTAS}/defaults"): answers(wrap("quota_set", QUOTA_SET)),
    ("get", "/volume/v3/{project_id}/limits"): answers(LIMITS),
}
