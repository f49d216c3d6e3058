"""The Block Storage part of the authorisation matrix's world: the operator's volume type
(private, shared with A, with an extra spec), qos-specs and volume service, A's volume metadata,
and a valid body for each mutating volume route beyond the volumes themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.context import RequestContext
from domain.services.storage.groups import GroupRequest
from domain.services.storage.hosts import Capacity
from projections.user_messages import UserMessageViews
from tests.support.volumes_api import WORKER, project_of

if TYPE_CHECKING:
    from tests.support.authz_world import World

A_SPEC = "secret:spec"  # the flavor's extra spec key, which names metadata keys too
SERVICE_HOST = "matrix-vol"


def volume_things(world: World, admin: dict[str, str]) -> None:
    project = world.a["project_id"]
    admin_project = project_of(world.compute.cloud, {})
    base = f"/volume/v3/{admin_project}"
    vtype = world.created("POST", f"{base}/types", {"volume_type": {
        "name": "operators-type", "extra_specs": {A_SPEC: "1"},
        "os-volume-type-access:is_public": False}}, "volume_type", admin)
    world.created("POST", f"{base}/types/{vtype['id']}/action",
                  {"addProjectAccess": {"project": project}}, None, admin)
    qos = world.created("POST", f"{base}/qos-specs", {"qos_specs": {"name": "operators-qos"}},
                        "qos_specs", admin)
    encrypted = world.compute.cloud.volume_types.encrypt(
        RequestContext(user_id="operator", roles=("admin",)), vtype["id"], {"provider": "luks"})
    group_type = world.compute.cloud.group_types.create(
        RequestContext(user_id="operator", roles=("admin",)), "operators-group-type",
        group_specs={A_SPEC: "1"})
    world.compute.cloud.volume_hosts.register(
        RequestContext(user_id=f"volume:{SERVICE_HOST}"), SERVICE_HOST, "matrix-pool", "nova",
        Capacity(10.0, 5.0))
    volume_id = world.params["volume_id"]
    world.created("POST", f"/volume/v3/{project}/volumes/{volume_id}/metadata",
                  {"metadata": {A_SPEC: "secret-metadata-a"}}, None)
    # A's other volume, available (the first is being attached), and a snapshot of it.
    copied = world.created("POST", f"/volume/v3/{project}/volumes", {"volume": {"size": 1}},
                           "volume")
    world.compute.cloud.volumes.created(WORKER, copied["id"], f"/pool/{copied['id']}")
    snapshot = world.created("POST", f"/volume/v3/{project}/snapshots", {"snapshot": {
        "volume_id": copied["id"], "name": "secret-snapshot-a",
        "metadata": {A_SPEC: "secret-snapshot-metadata-a"}}}, "snapshot")
    world.compute.cloud.volume_snapshots.created(WORKER, snapshot["id"], "/pool/snapshot")
    world.secret(snapshot["id"], "secret-snapshot-a", "secret-snapshot-metadata-a")
    backup = world.created("POST", f"/volume/v3/{project}/backups", {"backup": {
        "volume_id": copied["id"], "name": "secret-backup-a"}}, "backup")
    world.compute.cloud.volume_backups.backup_created(WORKER, backup["id"], 1)
    world.secret(backup["id"], "secret-backup-a")
    # A's third volume, offered for transfer (the key is what the matrix never shows).
    offered = world.created("POST", f"/volume/v3/{project}/volumes", {"volume": {"size": 1}},
                            "volume")
    world.compute.cloud.volumes.created(WORKER, offered["id"], f"/pool/{offered['id']}")
    world.compute.cloud.sync_read_models()
    transfer = world.created("POST", f"/volume/v3/{project}/os-volume-transfer", {"transfer": {
        "volume_id": offered["id"], "name": "secret-transfer-a"}}, "transfer")
    world.secret(transfer["id"], "secret-transfer-a", transfer["auth_key"])
    world.compute.cloud.sync_read_models()
    # A's volume the backend failed to make, and the user message that says so.
    failed = world.created("POST", f"/volume/v3/{project}/volumes", {"volume": {"size": 1}},
                           "volume")
    world.compute.cloud.volumes.create_failed(WORKER, failed["id"], "secret-failure-a")
    world.compute.cloud.sync_read_models()
    (message,) = UserMessageViews(world.compute.cloud.store).list(project)
    world.keep(snapshot_id=snapshot["id"], snapshot_volume_id=copied["id"],
               backup_id=backup["id"], transfer_id=transfer["id"],
               message_id=str(UUID(message["id"])))
    world.keep(type_id=vtype["id"], qos_id=qos["id"], host=SERVICE_HOST, action="enable",
               volume_host_name=f"{SERVICE_HOST}@matrix-pool",
               group_type_id=str(group_type.id),
               encryption_id=str(UUID((encrypted.encryption or {})["encryption_id"])),
               class_name="default")
    world.secret("secret-metadata-a")
    groups_of_a(world, str(group_type.id))


def groups_of_a(world: World, group_type_id: str) -> None:
    """A's volume group (of the default type: the operator's is encrypted) and a group
    snapshot of it."""
    member = RequestContext(user_id=world.a["user_id"], project_id=world.a["project_id"],
                            roles=("member",))
    cloud = world.compute.cloud
    cloud.volume_types.seed_default(RequestContext(user_id="operator", roles=("admin",)))
    group = cloud.volume_groups.create(member, GroupRequest(
        group_type=group_type_id, volume_types=("__DEFAULT__",), name="secret-volume-group-a"))
    gs = cloud.group_snapshots.create(member, group.id.hex, "secret-group-snapshot-a", None)
    cloud.sync_read_models()
    world.keep(volume_group_id=str(group.id), group_snapshot_id=str(gs.id))
    world.secret(str(group.id), "secret-volume-group-a", str(gs.id), "secret-group-snapshot-a")


def volume_bodies(other_project: str, volume_id: str) -> dict[str, Any]:
    base = "/volume/v3/{project_id}"
    types, one, qos = f"{base}/types", f"{base}/types/{{type_id}}", f"{base}/qos-specs/{{qos_id}}"
    metadata = f"{base}/volumes/{{volume_id}}/metadata"
    snapshot = f"{base}/snapshots/{{snapshot_id}}"
    backup = f"{base}/backups/{{backup_id}}"
    transfers = {f"POST {base}/{kind}": {"transfer": {"volume_id": volume_id}}
                 for kind in ("os-volume-transfer", "volume-transfers")}
    for kind in ("os-volume-transfer", "volume-transfers"):
        transfers[f"DELETE {base}/{kind}/{{transfer_id}}"] = None
        transfers[f"POST {base}/{kind}/{{transfer_id}}/accept"] = {"accept": {
            "auth_key": "0123456789abcdef"}}
    group_type = f"{base}/group_types/{{group_type_id}}"
    group = f"{base}/groups/{{volume_group_id}}"
    gs = f"{base}/group_snapshots/{{group_snapshot_id}}"
    return {
        f"POST {base}/groups": {"group": {"group_type": "x",
                                          "volume_types": ["__DEFAULT__"]}},
        f"POST {base}/groups/action": {"create-from-src": {"source_group_id": "x"}},
        f"PUT {group}": {"group": {"name": "changed"}},
        f"POST {group}/action": {"reset_status": {"status": "error"}},
        f"POST {base}/group_snapshots": {"group_snapshot": {"group_id": "x"}},
        f"DELETE {gs}": None,
        f"POST {gs}/action": {"reset_status": {"status": "error"}},
        **transfers,
        f"POST {base}/backups": {"backup": {"volume_id": volume_id}},
        f"PUT {backup}": {"backup": {"name": "changed"}},
        f"DELETE {backup}": None,
        f"POST {backup}/restore": {"restore": {"name": "matrix"}},
        f"POST {backup}/action": {"os-reset_status": {"status": "error"}},
        f"POST {base}/backups/import_record": {"backup-record": {
            "backup_service": "cinder.backup.drivers.posix.PosixBackupDriver",
            "backup_url": "e30="}},
        f"POST {base}/snapshots": {"snapshot": {"volume_id": volume_id}},
        f"PUT {snapshot}": {"snapshot": {"name": "changed"}},
        f"DELETE {snapshot}": None,
        f"POST {snapshot}/action": {"os-reset_status": {"status": "error"}},
        f"POST {snapshot}/metadata": {"metadata": {"a": "b"}},
        f"PUT {snapshot}/metadata": {"metadata": {"a": "b"}},
        f"PUT {snapshot}/metadata/{{key}}": {"meta": {A_SPEC: "changed"}},
        f"DELETE {snapshot}/metadata/{{key}}": None,
        f"PUT {base}/volumes/": {"volume": {"name": "changed"}},
        f"DELETE {base}/volumes/": None,
        f"POST {types}": {"volume_type": {"name": "matrix"}},
        f"PUT {one}": {"volume_type": {"description": "changed"}},
        f"DELETE {one}": None,
        f"POST {one}/extra_specs": {"extra_specs": {"a": "b"}},
        f"PUT {one}/extra_specs/{{key}}": {A_SPEC: "2"},
        f"DELETE {one}/extra_specs/{{key}}": None,
        f"POST {one}/action": {"addProjectAccess": {"project": other_project}},
        f"POST {base}/qos-specs": {"qos_specs": {"name": "matrix"}},
        f"PUT {qos}": {"qos_specs": {"a": "b"}},
        f"PUT {qos}/delete_keys": {"keys": ["a"]},
        f"DELETE {qos}": None,
        f"PUT {base}/os-services/{{action}}": {"host": SERVICE_HOST, "binary": "cinder-volume"},
        f"DELETE {base}/os-quota-sets/{{target_id}}": None,
        f"PUT {base}/os-quota-class-sets/{{class_name}}": {"quota_class_set": {"volumes": 11}},
        f"POST {metadata}": {"metadata": {"a": "b"}},
        f"PUT {metadata}": {"metadata": {"a": "b"}},
        f"PUT {metadata}/{{key}}": {"meta": {A_SPEC: "changed"}},
        f"DELETE {metadata}/{{key}}": None,
        f"DELETE {base}/messages/{{message_id}}": None,
        f"POST {one}/encryption": {"encryption": {"provider": "matrix"}},
        f"PUT {one}/encryption/{{encryption_id}}": {"encryption": {"cipher": "matrix"}},
        f"DELETE {one}/encryption/{{encryption_id}}": None,
        f"POST {base}/group_types": {"group_type": {"name": "matrix"}},
        f"PUT {group_type}": {"group_type": {"description": "changed"}},
        f"DELETE {group_type}": None,
        f"POST {group_type}/group_specs": {"group_specs": {"a": "b"}},
        f"PUT {group_type}/group_specs/{{key}}": {A_SPEC: "2"},
        f"DELETE {group_type}/group_specs/{{key}}": None,
    }
