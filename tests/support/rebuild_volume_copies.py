"""The rebuild workload's part for volume backups and transfers: test_projections_rebuild.py
calls it with its `Api`, its cloud and A's member; the services' outcomes stand in for the
storage worker."""

from __future__ import annotations

from typing import Any

from domain.context import RequestContext
from tests.support.rebuild_volume_groups import drive_volume_groups

WORKER = RequestContext(user_id="storage-worker")
TAKER = RequestContext(user_id="rb-taker", project_id="rb-taker-project", roles=("member",))


def drive_volume_copies(cloud: Any, api: Any, member: dict[str, str], project_id: str,
                        volume_id: str) -> None:
    """Backups of an in-use volume: one kept (updated, restored into a new volume), one
    deleted; two available volumes offered for transfer, one accepted by another project."""
    base = f"/volume/v3/{project_id}"
    backups = []
    for name in ("rb-b1", "rb-b2"):  # one at a time: the volume is backing-up meanwhile
        backups.append(api("POST", f"{base}/backups", {"backup": {
            "volume_id": volume_id, "force": True, "name": name}}, headers=member)["backup"]["id"])
        cloud.volume_backups.backup_created(WORKER, backups[-1], 1)
    kept, gone = backups
    api("PUT", f"{base}/backups/{kept}", {"backup": {"description": "kept"}},
        headers={**member, "OpenStack-API-Version": "volume 3.9"})
    restore = api("POST", f"{base}/backups/{kept}/restore", {"restore": {}},
                  headers=member)["restore"]
    cloud.volume_backups.backup_restored(WORKER, kept, restore["volume_id"].replace("-", ""),
                                         f"/pool/{restore['volume_id']}")
    api("DELETE", f"{base}/backups/{gone}", headers=member)
    cloud.volume_backups.backup_deleted(WORKER, gone)
    offered = []
    for name in ("rb-t1", "rb-t2"):
        made = api("POST", f"{base}/volumes", {"volume": {"size": 1, "name": name}},
                   headers=member)["volume"]["id"]
        cloud.volumes.created(WORKER, made, f"/pool/{made}")
        offered.append(api("POST", f"{base}/os-volume-transfer", {"transfer": {
            "volume_id": made, "name": name}}, headers=member)["transfer"])
    cloud.volume_transfers.accept(TAKER, offered[0]["id"], offered[0]["auth_key"])
    drive_volume_groups(cloud, api, member, project_id)
