"""Read model of volumes (Block Storage `/volumes`, and Compute's `os-volume_attachments`).

A row keeps the columns lists filter on and the whole volume as a JSON document, evolved event by
event the way the `Volume` aggregate evolves (domain/storage/volume.py). `seq` is the request
event's position: creation order, stable on rebuild. A deleted volume's row goes, since Cinder
lists no deleted volume; `server_id` is the server of the volume's attachment, pending or
confirmed.
"""

from __future__ import annotations

import builtins
from typing import Any

from domain.storage.volume import UPDATED, Volume
from domain.storage.volume_backups import VolumeBackups
from domain.storage.volume_bookkeeping import VolumeBookkeeping
from domain.storage.volume_groups import VolumeGroups
from domain.storage.volume_reimage import VolumeReimages
from domain.storage.volume_transfers import VolumeTransfers
from domain.storage.volume_uploads import VolumeUploads
from projections.base import Evolve, Projection, as_json, from_json, handles, hexid, on
from projections.servers import moment
from projections.store import ReadCursor, ReadStore, Row

COLUMNS = ("project_id", "user_id", "name", "status", "server_id", "updated_at")


def new_doc(e: Any) -> dict[str, Any]:
    keep = ("project_id", "user_id", "name", "description", "metadata", "size",
            "availability_zone", "image", "host", "volume_type_id")
    return {**{k: getattr(e, k) for k in keep}, "bootable": e.image is not None,
            "snapshot_id": e.snapshot_id, "source_volid": e.source_volid,
            "status": "creating", "path": None, "extending_to": None, "attachment": None,
            "fault": None, "admin_metadata": {}, "upload": None, "created_at": moment(e)}


def _attached(doc: dict[str, Any], e: Any) -> None:
    doc.update(status="in-use", fault=None, attachment={
        **(doc["attachment"] or {}), "host": e.host, "device": e.device,
        "attached_at": e.attached_at})


def _reset(doc: dict[str, Any], e: Volume.StatusReset) -> None:
    doc.update(status=e.status, extending_to=None)
    if e.detached:
        doc["attachment"] = None


def _recorded(doc: dict[str, Any], e: VolumeBookkeeping.AttachmentRecorded) -> None:
    doc.update(status="in-use", attachment=dict(e.attachment), admin_metadata={
        "readonly": "False", **(doc.get("admin_metadata") or {}), "attached_mode": e.mode})


def _without_mode(doc: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in (doc.get("admin_metadata") or {}).items() if k != "attached_mode"}


B, U = VolumeBookkeeping, VolumeUploads
# One step per volume event, mirroring domain/storage/volume.py (the events its bases declare
# are recorded under the base's name: VolumeBookkeeping.Reserved, not Volume.Reserved).
EVOLVE: dict[type, Evolve] = dict([
    on(Volume.Updated, lambda d, e: d.update({k: v for k, v in e.changes.items()
                                              if k in UPDATED})),
    on(Volume.ExtendRequested, lambda d, e: d.update(status="extending",
                                                  extending_to=e.new_size)),
    on(Volume.DeleteRequested, lambda d, e: d.update(status="deleting")),
    on(Volume.AttachRequested, lambda d, e: d.update(status="attaching",
                                                  attachment=dict(e.attachment))),
    on(Volume.DetachRequested, lambda d, e: d.update(status="detaching")),
    on(Volume.StatusReset, _reset),
    on(B.Reserved, lambda d, e: d.update(status="attaching")),
    on(B.Unreserved, lambda d, e: d.update(status="available")),
    on(B.AttachmentRecorded, _recorded),
    on(B.AttachmentRemoved, lambda d, e: d.update(status="available", attachment=None,
                                                  admin_metadata=_without_mode(d))),
    on(B.DetachBegun, lambda d, e: d.update(status="detaching", attachment={
        **d["attachment"], "detach_begun": True})),
    on(B.DetachingRolledBack, lambda d, e: d.update(status="in-use", attachment={
        k: v for k, v in d["attachment"].items() if k != "detach_begun"})),
    on(U.UploadRequested, lambda d, e: d.update(status="uploading", upload={
        "image_id": e.image_id, "previous": e.previous})),
    on(U.Uploaded, lambda d, e: d.update(status=d["upload"]["previous"], upload=None)),
    on(U.UploadFailed, lambda d, e: d.update(status=d["upload"]["previous"], upload=None,
                                             fault=e.reason)),
    on(Volume.Provisioned, lambda d, e: d.update(status="available", path=e.path, fault=None)),
    on(Volume.ProvisionFailed, lambda d, e: d.update(status="error", fault=e.reason)),
    # An attached volume grown in use (3.42) goes back to in-use, as the aggregate does.
    on(Volume.Extended, lambda d, e: d.update(status="in-use" if d.get("attachment") else
                                           "available", size=e.size, extending_to=None,
                                           fault=None)),
    on(Volume.ExtendFailed, lambda d, e: d.update(status="error_extending", extending_to=None,
                                               fault=e.reason)),
    on(Volume.DeleteFailed, lambda d, e: d.update(status="error_deleting", fault=e.reason)),
    on(Volume.Attached, _attached),
    on(Volume.AttachFailed, lambda d, e: d.update(status="available", attachment=None,
                                               fault=e.reason)),
    on(Volume.Detached, lambda d, e: d.update(status="available", attachment=None)),
    on(Volume.DetachFailed, lambda d, e: d.update(status="in-use", fault=e.reason)),
    on(Volume.BootRescheduled, lambda d, e: d.update(host=e.storage_host, attachment=d[
        "attachment"] and {**d["attachment"], "host": e.server_host})),
    on(Volume.Lost, lambda d, e: d.update(status="error", extending_to=None, fault=e.reason)),
    # Backups (domain/storage/volume_backups.py, whose classes the events are): a backup of a
    # snapshot leaves the status as it is.
    on(VolumeBackups.BackupStarted, lambda d, e: d.update(
        status="backing-up" if e.previous is not None else d["status"])),
    on(VolumeBackups.BackupEnded, lambda d, e: d.update(status=e.status)),
    on(VolumeBackups.RestoreStarted, lambda d, e: d.update(status="restoring-backup")),
    on(VolumeBackups.Restored, lambda d, e: d.update(
        status="available", path=e.path, fault=None, image=e.image,
        bootable=e.image is not None, metadata=e.metadata)),
    on(VolumeBackups.RestoreFailed, lambda d, e: d.update(status="error_restoring",
                                                          fault=e.reason)),
    # A root volume written again from an image (domain/storage/volume_reimage.py).
    on(VolumeReimages.Reimaged, lambda d, e: d.update(
        image=e.image, bootable=True, image_metadata=None, path=e.path or d["path"])),
    # Transfers (domain/storage/volume_transfers.py): the new owner takes it available.
    on(VolumeTransfers.TransferOffered, lambda d, e: d.update(status="awaiting-transfer")),
    on(VolumeTransfers.TransferWithdrawn, lambda d, e: d.update(status="available")),
    on(VolumeTransfers.HandedOver, lambda d, e: d.update(
        status="available", project_id=e.project_id, user_id=e.user_id)),
    # Generic volume groups (domain/storage/volume_groups.py).
    on(VolumeGroups.GroupJoined, lambda d, e: d.update(group_id=e.group_id)),
    on(VolumeGroups.GroupLeft, lambda d, e: d.update(group_id=None)),
])


class VolumeProjection(Projection):
    name = "volumes"
    tables = ("volumes",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS volumes (id TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
        " project_id TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT, status TEXT NOT NULL,"
        " server_id TEXT, updated_at TEXT NOT NULL, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS volumes_by_project ON volumes (project_id, seq)",
        "CREATE INDEX IF NOT EXISTS volumes_by_server ON volumes (server_id)",
    )

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        if isinstance(event, Volume.Requested):
            self.requested(cur, event, position)
        else:
            super().apply(cur, event, position)

    @handles(Volume.Requested)
    def requested(self, cur: ReadCursor, e: Volume.Requested, position: int = 0) -> None:
        doc = new_doc(e)
        cur.execute("INSERT INTO volumes (id, seq, doc, " + ", ".join(COLUMNS) + ")"
                    " VALUES (?, ?, ?" + ", ?" * len(COLUMNS) + ")",
                    (hexid(e), position, as_json(doc), *self._columns(doc, e)))

    @handles(*EVOLVE)
    def evolved(self, cur: ReadCursor, e: Any) -> None:
        row = cur.execute("SELECT doc FROM volumes WHERE id = ?", (hexid(e),)).one()
        if row is None:
            return
        doc = from_json(row["doc"])
        EVOLVE[type(e)](doc, e)
        cur.execute("UPDATE volumes SET doc = ?, " + ", ".join(f"{c} = ?" for c in COLUMNS)
                    + " WHERE id = ?", (as_json(doc), *self._columns(doc, e), hexid(e)))

    @handles(Volume.Deleted)
    def deleted(self, cur: ReadCursor, e: Volume.Deleted) -> None:
        cur.execute("DELETE FROM volumes WHERE id = ?", (hexid(e),))

    @staticmethod
    def _columns(doc: dict[str, Any], e: Any) -> tuple[Any, ...]:
        # A recorded attachment (os-attach) has no device on any of our servers: Nova's
        # os-volume_attachments does not list it, as Nova has no block device mapping of it.
        attachment = doc["attachment"] or {}
        values = {**doc, "server_id": None if attachment.get("recorded") else
                  attachment.get("server_id"),
                  "updated_at": moment(e)}
        return tuple(values[c] for c in COLUMNS)


def _volume(row: Row) -> Row:
    return {**from_json(row["doc"]), "id": row["id"], "seq": row["seq"],
            "updated_at": row["updated_at"]}


class VolumeViews:
    """Queries over the volume read model; each volume comes back as its document plus `id`
    (hex), `seq` and `updated_at`."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, volume_id: str) -> Row | None:
        row = self.store.query_one("SELECT * FROM volumes WHERE id = ?", (volume_id,))
        return _volume(row) if row else None

    def list(self, project_id: str | None, *, name: str | None = None,
             status: str | None = None) -> list[Row]:
        """Newest first, as Cinder lists; `project_id` None lists every project's."""
        clauses: list[str] = ["1 = 1"]
        params: list[Any] = []
        for column, value in (("project_id", project_id), ("name", name), ("status", status)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT * FROM volumes WHERE {' AND '.join(clauses)} ORDER BY seq DESC"
        return [_volume(r) for r in self.store.query(sql, params)]

    def of_server(self, server_id: str) -> builtins.list[Row]:
        """The volumes attached, or being attached, to a server, oldest first."""
        rows = self.store.query("SELECT * FROM volumes WHERE server_id = ? ORDER BY seq",
                                (server_id,))
        return [_volume(r) for r in rows]
