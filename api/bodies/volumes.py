"""Cinder v3 bodies of volumes (and Nova's of volume attachments), from the volume read model.

Ids are dashed UUIDs, as Cinder prints them; any UUID spelling is accepted in paths. Fields of
Cinder features this cloud does not have (volume types, snapshots, groups, replication, migration)
are shown with the values Cinder gives a volume that uses none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from api.auth import Caller
from api.errors import ApiError, OverLimit
from api.microversions import Version
from api.responses.compute import newest
from api.responses.volumes import VOLUME_MODELS, Volume
from domain.errors import NotFound, QuotaExceeded
from domain.quota.limits import is_type_resource
from domain.storage.volume_bookkeeping import image_properties
from domain.storage.volume_type import DEFAULT_TYPE, DEFAULT_TYPE_ID
from projections.store import ReadStore, Row
from projections.volume_types import VolumeTypeViews

PREFIX = "/volume/v3/{project_id}"
# Cinder's admin metadata shown to everyone, in a volume's metadata (api_utils).
VISIBLE = ("readonly", "attached_mode")
# oslo's bool_from_string(strict=True), as Cinder reads its boolean strings (cascade=, flags).
TRUTH = {**dict.fromkeys(("1", "t", "true", "on", "y", "yes"), True),
         **dict.fromkeys(("0", "f", "false", "off", "n", "no"), False)}


def dashed(hex_id: str | None) -> str | None:
    return None if hex_id is None else str(UUID(hex_id))


def volume_key(ref: str) -> str:
    """The hex id of a volume named in a path; anything else names nothing (404)."""
    try:
        return UUID(ref).hex
    except ValueError:
        raise NotFound(f"Volume {ref} could not be found.") from None


def check_path_project(project_id: str, caller: Caller) -> None:
    """Cinder refuses a URL whose project is not the token's (admins included)."""
    if project_id != caller.project_id and _hex(project_id) != caller.project_id:
        raise ApiError(400, "Malformed request url")


def _hex(value: str) -> str | None:
    try:
        return UUID(value).hex
    except ValueError:
        return None


def quota_name(resource: str, store: ReadStore | None) -> tuple[str, str]:
    """The kind of a refused resource and Cinder's name for it: a volume type's resources
    (kept by its id) are `<part>_<type name>`."""
    if not is_type_resource(resource):
        return resource, resource
    part, _, type_id = resource.partition("@")
    row = VolumeTypeViews(store).get(type_id) if store is not None else None
    return part, f"{part}_{row['name'] if row else type_id}"


@contextmanager
def cinder_quota(store: ReadStore | None = None) -> Iterator[None]:
    """Cinder refuses a volume over quota with 413 and the name of its exception; `store`
    names the volume type of a per-type quota."""
    try:
        yield
    except QuotaExceeded as over:
        kind, name = quota_name(over.resource, store)
        if kind == "per_volume_gigabytes":
            raise OverLimit(f"VolumeSizeExceedsLimit: Requested volume size {over.requested}G "
                            f"is larger than maximum allowed limit {over.limit}G.") from None
        if kind == "snapshots":
            raise OverLimit(f"SnapshotLimitExceeded: Maximum number of snapshots allowed "
                            f"({over.limit}) exceeded") from None
        if kind == "backups":
            raise OverLimit(f"BackupLimitExceeded: Maximum number of backups allowed "
                            f"({over.limit}) exceeded") from None
        if kind == "backup_gigabytes":
            raise OverLimit(f"VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds "
                            f"allowed Backup gigabytes quota. Requested {over.requested}G, "
                            f"quota is {over.limit}G and {over.used}G has been consumed."
                            ) from None
        if kind == "volumes":
            raise OverLimit(f"VolumeLimitExceeded: Maximum number of volumes allowed "
                            f"({over.limit}) exceeded for quota '{name}'.") from None
        raise OverLimit(
            f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed "
            f"{name} quota. Requested {over.requested}G, quota is {over.limit}G and "
            f"{over.used}G has been consumed.") from None


def links(base: str, project_id: str, ident: str) -> list[dict[str, str]]:
    return [{"href": f"{base}/volume/v3/{project_id}/volumes/{ident}", "rel": "self"},
            {"href": f"{base}/volume/{project_id}/volumes/{ident}", "rel": "bookmark"}]


def summary(volume: Row, base: str) -> dict[str, Any]:
    ident = str(dashed(volume["id"]))
    return {"id": ident, "name": volume["name"],
            "links": links(base, volume["project_id"], ident)}


def attachments(volume: Row) -> list[dict[str, Any]]:
    """Cinder lists an attachment once it is made (status in-use, or detaching)."""
    attachment = volume["attachment"]
    if not attachment or not attachment.get("attached_at"):
        return []
    return [{"id": dashed(volume["id"]), "volume_id": dashed(volume["id"]),
             "attachment_id": dashed(attachment["attachment_id"]),
             "server_id": dashed(attachment["server_id"]), "host_name": attachment["host"],
             "device": attachment["device"], "attached_at": attachment["attached_at"]}]


@dataclass(frozen=True)
class VolumeLook:
    """What a volume body is built with: the caller and microversion of the request, the
    volume types' names by id (hex), and each storage host's backend."""

    base: str
    caller: Caller
    version: Version
    type_names: dict[str, str]
    backends: dict[str, str]

    def host(self, host: str | None) -> str | None:
        """Cinder's `host@backend#pool` of a volume (the backend is the pool here)."""
        backend = self.backends.get(host or "")
        return f"{host}@{backend}#{backend}" if backend else host


def detail(volume: Row, look: VolumeLook, extended: bool = True) -> Volume:
    """The volume as Cinder shows it at the look's version; the tenant, host, provider and
    cluster attributes to administrators only (Cinder's policy defaults). `extended`: with what
    Cinder's API extensions add to a show or a list (the admin attributes, the image's
    metadata), which its create and update answers go without."""
    base, caller, version, type_names = look.base, look.caller, look.version, look.type_names
    type_id = volume.get("volume_type_id") or DEFAULT_TYPE_ID.hex
    body: dict[str, Any] = {
        **summary(volume, base), "description": volume["description"],
        "status": volume["status"], "size": volume["size"],
        "availability_zone": volume["availability_zone"], "created_at": volume["created_at"],
        "updated_at": volume["updated_at"], "attachments": attachments(volume),
        "bootable": "true" if volume["bootable"] else "false", "encrypted": False,
        "multiattach": False, "metadata": {**(volume["metadata"] or {}), **{
            k: v for k, v in (volume.get("admin_metadata") or {}).items() if k in VISIBLE}},
        "user_id": volume["user_id"],
        "volume_type": type_names.get(type_id, DEFAULT_TYPE),
        "snapshot_id": dashed(volume.get("snapshot_id")),
        "source_volid": dashed(volume.get("source_volid")), "consistencygroup_id": None,
        "replication_status": None, "migration_status": None,
    }
    later: dict[str, dict[str, Any]] = {
        "3.13": {"group_id": dashed(volume.get("group_id"))},
        "3.48": {"service_uuid": None, "shared_targets": False},
        "3.63": {"volume_type_id": dashed(type_id)}, "3.64": {"encryption_key_id": None},
        "3.65": {"consumes_quota": True}}
    for since, fields in later.items():
        if version >= since:
            body.update(fields)
    glance = volume.get("image_metadata")
    if glance is None and volume["image"]:
        glance = image_properties(volume["image"])
    if glance is not None and extended:
        body["volume_image_metadata"] = glance
    if extended and (caller.is_admin or caller.project_id == volume["project_id"]):
        # Cinder's volume_tenant_attribute policy: project readers see their own volumes'.
        body["os-vol-tenant-attr:tenant_id"] = volume["project_id"]
    if caller.is_admin and extended:
        body.update({"os-vol-host-attr:host": look.host(volume["host"]),
                     "os-vol-mig-status-attr:migstat": None,
                     "os-vol-mig-status-attr:name_id": None})
    if caller.is_admin:  # the view's own admin fields, in every answer
        if version >= "3.21":
            body["provider_id"] = None
        if version >= "3.61":
            body["cluster_name"] = None
    return newest(version, VOLUME_MODELS).model_validate(body)


def attachment_body(volume: Row, version: Version, server: Row | None = None,
                    created: bool = False) -> dict[str, Any]:
    """Nova's volumeAttachment; from 2.70 with the tag it was attached with (null if none),
    from 2.79 with delete_on_termination, as the `server` row's volumes hold it. From 2.89 GET
    shows the attachment's id and its block device mapping's (a uuid derived from the
    attachment, stable while it lasts) instead of `id`; the POST's answer (`created`) does not
    change, as in Nova."""
    attachment = volume["attachment"] or {}
    ident = dashed(volume["id"])
    body = {"id": ident, "volumeId": ident, "serverId": dashed(attachment.get("server_id")),
            "device": attachment.get("device")}
    if version >= "2.70":
        body["tag"] = attachment.get("tag")
    if version >= "2.79":
        held = [v for v in (server or {}).get("volumes", []) if v["id"] == volume["id"]]
        body["delete_on_termination"] = bool(held and held[0].get("delete_on_termination"))
    if version >= "2.89" and not created:
        attachment_id = str(attachment.get("attachment_id") or "")
        del body["id"]
        body["attachment_id"] = dashed(attachment_id)
        body["bdm_uuid"] = str(uuid5(NAMESPACE_URL, f"skyledger:bdm:{attachment_id}"))
    return body
