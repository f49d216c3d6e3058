"""The rebuild workload's part for generic volume groups and group snapshots
(rebuild_volume_copies.py calls it): a group with a volume, updated; a group snapshot, a group
made from it, status resets; then the group snapshot and the made group deleted, and a second
group snapshot left creating. The services' outcomes stand in for the storage worker."""

from __future__ import annotations

from typing import Any

from domain.context import RequestContext

WORKER = RequestContext(user_id="storage-worker")
ADMIN = RequestContext(user_id="rb-admin", roles=("admin",))


def drive_volume_groups(cloud: Any, api: Any, member: dict[str, str], project_id: str) -> None:
    base = f"/volume/v3/{project_id}"
    at = {**member, "OpenStack-API-Version": "volume 3.20"}
    gtype = str(cloud.group_types.create(ADMIN, "rb-gt-groups").id)
    group = api("POST", f"{base}/groups", {"group": {
        "group_type": gtype, "volume_types": ["__DEFAULT__"], "name": "rb-g1"}},
        headers=at)["group"]["id"]
    volume = api("POST", f"{base}/volumes", {"volume": {"size": 1, "group_id": group}},
                 headers=at)["volume"]["id"]
    cloud.volumes.created(WORKER, volume, f"/pool/{volume}")
    api("PUT", f"{base}/groups/{group}", {"group": {"description": "rb"}}, headers=at)
    gs = api("POST", f"{base}/group_snapshots", {"group_snapshot": {
        "group_id": group, "name": "rb-gs"}}, headers=at)["group_snapshot"]["id"]
    (snapshot,) = cloud.group_snapshots.get(ADMIN, gs).snapshots.values()
    cloud.volume_snapshots.created(WORKER, snapshot, f"/pool/snapshot-{snapshot}")
    made = api("POST", f"{base}/groups/action", {"create-from-src": {
        "group_snapshot_id": gs, "name": "rb-g2"}}, headers=at)["group"]["id"]
    for copy in cloud.volume_groups.get(ADMIN, made).volumes:
        cloud.volumes.created(WORKER, copy, f"/pool/{copy}")
    cloud.volume_groups.reset_status(ADMIN, group, "error")
    cloud.volume_groups.reset_status(ADMIN, group, "available")
    api("DELETE", f"{base}/group_snapshots/{gs}", headers=at)
    cloud.volume_snapshots.deleted(WORKER, snapshot)
    copies = cloud.volume_groups.get(ADMIN, made).volumes
    api("POST", f"{base}/groups/{made}/action", {"delete": {"delete-volumes": True}},
        headers=at)
    for copy in copies:
        cloud.volumes.deleted(WORKER, copy)
    api("POST", f"{base}/group_snapshots", {"group_snapshot": {"group_id": group,
                                                               "name": "rb-gs-kept"}},
        headers=at)  # left creating
