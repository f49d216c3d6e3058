"""Cinder's volume backup bodies (Tempest's volume/backups.py schemas, and v3_64's). A show and a
detailed list give the whole backup; later microversions add the project (3.18, with the
attributes policy), metadata (3.43) and the user (3.56). A summary is id, name and links."""

from __future__ import annotations

from pydantic import Field

from api.responses.base import MISSING, Body, Link, one_of
from domain.storage.backup import BackupStatus

NullStr = str | None


class BackupSummary(Body):
    id: str
    name: NullStr
    links: list[Link]


class VolumeBackup(Body):
    id: str
    name: NullStr
    description: NullStr
    status: one_of(s.value for s in BackupStatus if s is not BackupStatus.DELETED)  # type: ignore
    size: int
    object_count: int
    availability_zone: NullStr
    container: NullStr
    created_at: str
    updated_at: NullStr
    fail_reason: NullStr
    volume_id: str
    links: list[Link]
    is_incremental: bool
    has_dependent_backups: bool
    snapshot_id: NullStr
    data_timestamp: NullStr
    project_id: str = Field(default=MISSING,  # type: ignore[assignment]  # base.py
                            alias="os-backup-project-attr:project_id")
    metadata: dict[str, str] = MISSING  # type: ignore[assignment]
    user_id: str = MISSING  # type: ignore[assignment]


class VolumeBackupShow(Body):
    backup: VolumeBackup


class BackupSummaryShow(Body):
    backup: BackupSummary


class VolumeBackupList(Body):
    backups: list[VolumeBackup]


class BackupSummaryList(Body):
    backups: list[BackupSummary]


class Restore(Body):
    backup_id: str
    volume_id: str
    volume_name: NullStr


class RestoreShow(Body):
    restore: Restore


class BackupRecord(Body):
    backup_service: str
    backup_url: str


class BackupRecordShow(Body):
    backup_record: BackupRecord = Field(alias="backup-record")
