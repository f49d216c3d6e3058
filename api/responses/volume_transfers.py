"""Cinder's volume transfer bodies (Tempest's volume/transfers.py schemas and its v3_55 and v3_57
ones): a create shows the key once; 3.55 adds no_snapshots, 3.57 the projects and whether it
was accepted. A summary is id, volume, name and links."""

from __future__ import annotations

from api.responses.base import MISSING, Body, Link

NullStr = str | None


class TransferSummary(Body):
    id: str
    volume_id: str
    name: NullStr
    links: list[Link]


class VolumeTransfer(Body):
    id: str
    created_at: str
    name: NullStr
    volume_id: str
    links: list[Link]
    auth_key: str = MISSING  # type: ignore[assignment]  # base.py: only in a create's answer
    no_snapshots: bool = MISSING  # type: ignore[assignment]
    destination_project_id: NullStr = MISSING  # type: ignore[assignment]
    source_project_id: str = MISSING  # type: ignore[assignment]
    accepted: bool = MISSING  # type: ignore[assignment]


class VolumeTransferShow(Body):
    transfer: VolumeTransfer


class TransferSummaryShow(Body):
    transfer: TransferSummary


class VolumeTransferList(Body):
    transfers: list[VolumeTransfer]


class TransferSummaryList(Body):
    transfers: list[TransferSummary]
