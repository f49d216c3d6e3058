"""The OpenAPI check of the volume group and group snapshot bodies (test_openapi_responses.py's
volume test)."""

from __future__ import annotations

from domain.context import RequestContext
from domain.services.storage.groups import MemberChanges
from tests.support.openapi_checks import Checked
from tests.support.volumes_api import WORKER, Volumes


def check_group_bodies(volumes: Volumes, checked: Checked, admin: dict[str, str],
                       project: str, volume_id: str) -> None:
    """An administrator's group (at 3.38, with every later field), its available volume added,
    a group snapshot of it and a group made from that."""
    at = {**admin, "OpenStack-API-Version": "volume 3.38"}
    operator = RequestContext(user_id="operator", roles=("admin",))
    volumes.cloud.volume_types.seed_default(operator)
    gtype = volumes.cloud.group_types.create(operator, "openapi-group-type")
    groups = "/volume/v3/{project_id}/groups"
    group = checked.call("post", groups, at, project_id=project, json={"group": {
        "group_type": str(gtype.id), "volume_types": ["__DEFAULT__"], "name": "g"}})["group"]
    volumes.cloud.volume_groups.update(operator, group["id"], {},
                                       MemberChanges(add=(volume_id,)))
    volumes.cloud.sync_read_models()
    shown = checked.call("get", f"{groups}/{{volume_group_id}}", at,
                         project_id=project, volume_group_id=group["id"],
                         params={"list_volume": "true"})["group"]
    assert shown["status"] == "available" and shown["volumes"] == [volume_id]
    checked.call("get", groups, at, project_id=project)
    checked.call("get", f"{groups}/detail", at, project_id=project)
    snapshots = "/volume/v3/{project_id}/group_snapshots"
    gs = checked.call("post", snapshots, at, project_id=project, json={"group_snapshot": {
        "group_id": group["id"], "name": "gs"}})["group_snapshot"]
    (member,) = volumes.cloud.group_snapshots.get(operator, gs["id"]).snapshots.values()
    volumes.cloud.volume_snapshots.created(WORKER, member, "/pool/group-snapshot")
    volumes.cloud.sync_read_models()
    assert checked.call("get", f"{snapshots}/{{group_snapshot_id}}", at, project_id=project,
                        group_snapshot_id=gs["id"])["group_snapshot"]["status"] == "available"
    checked.call("get", snapshots, at, project_id=project)
    checked.call("get", f"{snapshots}/detail", at, project_id=project)
    made = checked.call("post", f"{groups}/action", at, project_id=project, json={
        "create-from-src": {"group_snapshot_id": gs["id"], "name": "g2"}})["group"]
    assert made["name"] == "g2"

