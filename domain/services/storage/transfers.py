"""Volume transfer commands (Cinder's os-volume-transfer and, from 3.55, volume-transfers).

Creating a transfer offers the volume in the same save (it waits `awaiting-transfer`). Accepting
moves the volume, and unless `no_snapshots` its snapshots, to the accepting project, in one save
with the transfer and both projects' quota ledgers: the accepting project claims `volumes` and
`gigabytes` (and `snapshots` with their gigabytes) as a create would, and the giving project
releases them, so the two ledgers never count the volume twice or not at all, whatever runs
concurrently (the claims of existing volumes take the same ledgers' versions).
"""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import NotFound
from domain.quota.ledger import QuotaLedger
from domain.services.quotas import default_limits, open_ledger
from domain.services.storage.lookup import Lookup, live
from domain.services.storage.volumes import check_volume_size_limit
from domain.storage.quota_claims import added, volume_claim
from domain.storage.snapshot import InvalidSnapshot, Snapshot, SnapshotStatus
from domain.storage.transfer import Transfer
from domain.storage.volume import Volume


class TransferService(Lookup):
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def transfer(self, ctx: RequestContext, transfer_id: UUID | str,
                 any_project: bool = False) -> Transfer:
        """A live transfer of the caller's project (any, for an administrator, or with
        `any_project`: whoever holds the key may accept), else Cinder's 404."""
        found = live(self.app, transfer_id, Transfer)
        if not isinstance(found, Transfer) or not (
                any_project or ctx.is_admin or found.source_project_id == ctx.project_id):
            raise NotFound(f"Transfer {transfer_id} could not be found.")
        return found

    @command
    def create(self, ctx: RequestContext, volume_id: str, name: str | None,
               no_snapshots: bool = False) -> tuple[Transfer, str]:
        """The new transfer and its key, which nothing keeps: the caller shows it once."""
        volume = self.volume(ctx, volume_id)
        snapshots = [] if no_snapshots else self._snapshots(volume)
        for snapshot in snapshots:
            if snapshot.status is not SnapshotStatus.AVAILABLE:
                raise InvalidSnapshot(f"snapshot: {snapshot.id} status must be available")
        transfer, auth_key = Transfer.offer(volume.id.hex, name, no_snapshots,
                                            volume.project_id)
        volume.offer(transfer.id.hex)
        self.app.save(transfer, volume)
        return transfer, auth_key

    @command
    def delete(self, ctx: RequestContext, transfer_id: UUID | str) -> None:
        transfer = self.transfer(ctx, transfer_id)
        transfer.withdraw()
        found = live(self.app, transfer.volume_id, Volume)
        volume = found if isinstance(found, Volume) else None
        if volume is not None:
            volume.transfer_withdrawn(transfer.id.hex)
        self.app.save(*changed(transfer, volume))

    @command
    def accept(self, ctx: RequestContext, transfer_id: UUID | str, auth_key: str) -> Transfer:
        transfer = self.transfer(ctx, transfer_id, any_project=True)
        transfer.check_key(auth_key)
        found = live(self.app, transfer.volume_id, Volume)
        if not isinstance(found, Volume):
            raise NotFound(f"Volume {UUID(transfer.volume_id)} could not be found.")
        volume, project, user = found, str(ctx.project_id), str(ctx.user_id)
        snapshots = [] if transfer.no_snapshots else self._snapshots(volume)
        donor_id = volume.project_id
        ledgers: list[QuotaLedger] = []
        if donor_id != project:
            taker, donor = open_ledger(self.app, project), open_ledger(self.app, donor_id)
            defaults = default_limits(self.app)
            check_volume_size_limit(taker, volume.size, defaults)
            taker.claim(volume_claim(volume.size, volume.volume_type_id), defaults)
            donor.release(volume.quota_held())
            if snapshots:
                moved = added(s.quota_held() for s in snapshots)
                taker.claim(moved, defaults)
                donor.release(moved)
            ledgers = [taker, donor]
        volume.hand_over(transfer.id.hex, project, user)
        for snapshot in snapshots:
            snapshot.hand_over(project, user)
        transfer.accept(project, user)
        self.app.save(transfer, volume, *snapshots, *ledgers)
        return transfer

    def _snapshots(self, volume: Volume) -> list[Snapshot]:
        return [s for s in (live(self.app, i, Snapshot) for i in sorted(volume.snapshots))
                if isinstance(s, Snapshot)]
