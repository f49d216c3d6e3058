"""Cinder v3 bodies of volume backups, from the backup read model, and the exported record
(Cinder's backup-record: the backup's fields as base64 JSON, named by its driver)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from uuid import UUID

from api.auth import Caller
from api.bodies.volumes import dashed
from api.deps import CloudServices
from api.microversions import Version
from api.responses.volume_backups import BackupSummary, VolumeBackup
from domain.errors import InvalidInput, NotFound
from domain.services.storage.backups import BackupRecord
from projections.store import Row
from projections.volume_backups import VolumeBackupViews

# Cinder's posix driver, whose layout (a file per backup on a file system) the store follows.
BACKUP_SERVICE = "cinder.backup.drivers.posix.PosixBackupDriver"
# What an imported record must carry (Cinder's backup manager requires these).
RECORD_FIELDS = ("id", "display_name", "display_description", "container", "size",
                 "service_metadata", "object_count")


def backup_key(ref: str) -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        raise NotFound(f"Backup {ref} could not be found.") from None


def visible_backup(cloud: CloudServices, caller: Caller, backup_id: str) -> Row:
    """A backup of the caller's project (any, for an administrator), else Cinder's 404."""
    row = VolumeBackupViews(cloud.store).get(backup_key(backup_id))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Backup {backup_id} could not be found.")
    return row


def links(base: str, project_id: str, ident: str) -> list[dict[str, str]]:
    return [{"href": f"{base}/volume/v3/{project_id}/backups/{ident}", "rel": "self"},
            {"href": f"{base}/volume/{project_id}/backups/{ident}", "rel": "bookmark"}]


def backup_summary(row: Row, base: str) -> BackupSummary:
    ident = str(dashed(row["id"]))
    return BackupSummary.model_validate({"id": ident, "name": row["name"],
                                         "links": links(base, row["project_id"], ident)})


def backup_body(row: Row, base: str, caller: Caller, version: Version) -> VolumeBackup:
    ident = str(dashed(row["id"]))
    body: dict[str, Any] = {
        "id": ident, "name": row["name"], "description": row["description"],
        "status": row["status"], "size": row["size"], "object_count": row["object_count"],
        "availability_zone": row["availability_zone"], "container": row["container"],
        "created_at": row["created_at"], "updated_at": row["updated_at"],
        "fail_reason": row["fail_reason"], "volume_id": dashed(row["volume_id"]),
        "links": links(base, row["project_id"], ident),
        "is_incremental": row["parent_id"] is not None,
        "has_dependent_backups": row["dependents"] > 0,
        "snapshot_id": dashed(row["snapshot_id"]), "data_timestamp": row["data_timestamp"]}
    if version >= "3.18" and caller.is_admin:  # backup:backup_project_attribute
        body["os-backup-project-attr:project_id"] = row["project_id"]
    if version >= "3.43":
        body["metadata"] = dict(row["metadata"] or {})
    if version >= "3.56" and caller.is_admin:
        body["user_id"] = row["user_id"]
    return VolumeBackup.model_validate(body)


def export_record(row: Row) -> dict[str, str]:
    """The record an import makes the backup again from; `service_metadata` names the stored
    data (the file of the backup it was made as)."""
    record = {
        "id": str(dashed(row["id"])), "display_name": row["name"],
        "display_description": row["description"], "volume_id": dashed(row["volume_id"]),
        "snapshot_id": dashed(row["snapshot_id"]), "size": row["size"],
        "container": row["container"], "object_count": row["object_count"],
        "availability_zone": row["availability_zone"], "host": row["host"],
        "metadata": row["metadata"], "data_timestamp": row["data_timestamp"],
        "service_metadata": row["data_of"] or row["id"], "source": row["source"]}
    url = base64.b64encode(json.dumps(record).encode()).decode()
    return {"backup_service": BACKUP_SERVICE, "backup_url": url}


def imported_record(url: str) -> BackupRecord:
    """The record a backup_url holds, with Cinder's 400s for one it cannot use."""
    try:
        record = json.loads(base64.b64decode(url, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidInput("Invalid input received: Can't parse backup record.") from None
    if not isinstance(record, dict) or "id" not in record:
        raise InvalidInput("Invalid input received: Provided backup record is missing an id")
    if "size" not in record:
        raise InvalidInput("Invalid input received: Provided backup record is missing size "
                           "attribute")
    missing = sorted(set(RECORD_FIELDS) - set(record))
    if missing:
        raise InvalidInput(f"Invalid backup: Driver successfully decoded imported backup "
                           f"data, but there are missing fields ({', '.join(missing)}).")
    try:
        return BackupRecord(
            id=UUID(str(record["id"])).hex, name=record["display_name"],
            description=record["display_description"],
            volume_id=UUID(str(record.get("volume_id") or record["id"])).hex,
            size=int(record["size"]), container=record["container"],
            data_of=UUID(str(record["service_metadata"])).hex, host=record.get("host"),
            metadata=dict(record.get("metadata") or {}),
            source=dict(record.get("source") or {}))
    except (TypeError, ValueError):
        raise InvalidInput("Invalid input received: Can't parse backup record.") from None
