"""CreateTags, DeleteTags, DescribeTags: an instance's tags are its server metadata, a volume's
its volume metadata (key/value both, as EC2's tags), through the same ActionService and
StorageMetadata commands and metadata policy rules as the OpenStack APIs."""

from __future__ import annotations

import re
from typing import Any

from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, invalid_value, missing
from api.ec2.ids import ec2_id
from api.ec2.instance_views import find, tag_set
from api.ec2.params import Params
from api.ec2.volumes import volume_row
from api.validation import NAME_PATTERN
from projections.servers import ServerViews
from projections.volumes import VolumeViews

MAX_TEXT = 255  # Nova's and Cinder's metadata key and value limits
NAME = "Name"  # the tag that is also an instance's name (its server's, in the OpenStack API)


def tags(params: Params, prefix: str = "Tag") -> dict[str, str | None]:
    """`Tag.N.Key` → `Tag.N.Value` (None where no value is given)."""
    found: dict[str, str | None] = {}
    for key, value in sorted(params.values.items()):
        match = re.fullmatch(re.escape(prefix) + r"\.(\d{1,4})\.Key", key)
        if match:
            if not 1 <= len(value) <= MAX_TEXT:
                raise invalid_value("Tag.Key", value, f"Keys are 1 to {MAX_TEXT} characters.")
            found[value] = params.get(f"{prefix}.{match[1]}.Value")
            if len(found[value] or "") > MAX_TEXT:
                raise invalid_value("Tag.Value", "...", f"Values are at most {MAX_TEXT}.")
    return found


def server_name(value: str) -> str:
    """A Name tag's value as a server name (Nova's rule: printable, no blanks at either end)."""
    if not re.fullmatch(NAME_PATTERN, value) or len(value) > MAX_TEXT:
        raise invalid_value("Tag.Value", value[:20], "A Name is 1 to 255 printable characters, "
                            "not starting or ending with a blank.")
    return value


def launch_tags(params: Params) -> dict[str, str]:
    """The tags RunInstances' `TagSpecification.N` give the instances (ResourceType instance)."""
    found: dict[str, str] = {}
    for key, kind in sorted(params.values.items()):
        match = re.fullmatch(r"TagSpecification\.(\d{1,4})\.ResourceType", key)
        if match is None:
            continue
        if kind != "instance":
            raise invalid_value(key, kind, "Only instances are tagged at launch here.")
        given = tags(params, f"TagSpecification.{match[1]}.Tag")
        found.update({k: v or "" for k, v in given.items()})
    if NAME in found:
        server_name(found[NAME])
    return found


def resources(call: Call) -> list[tuple[str, dict[str, Any]]]:
    """(kind, row) of each `ResourceId.N`, checked before anything changes."""
    ids = call.params.listed("ResourceId")
    if not ids:
        raise missing("ResourceId")
    found = []
    for resource_id in ids:
        if resource_id.startswith("i-"):
            found.append(("instance", find(call, resource_id)))
        elif resource_id.startswith("vol-"):
            found.append(("volume", volume_row(call, resource_id)))
        else:
            raise Ec2Error("InvalidID", f"The ID '{resource_id}' is not valid")
    return found


def allow(call: Call, kind: str, row: dict[str, Any], server_rule: str, volume_rule: str) -> None:
    call.enforce(f"os_compute_api:server-metadata:{server_rule}" if kind == "instance"
                 else f"volume:{volume_rule}_volume_metadata",
                 {"project_id": row["project_id"], "user_id": row["user_id"]})


def create_tags(call: Call) -> dict[str, Any]:
    items = {k: v or "" for k, v in tags(call.params).items()}
    if not items:
        raise missing("Tag")
    found = resources(call)
    for kind, row in found:
        allow(call, kind, row, "create", "create")
        if kind == "instance" and NAME in items:
            call.enforce("os_compute_api:servers:update",
                         {"project_id": row["project_id"], "user_id": row["user_id"]})
    renamed = server_name(items[NAME]) if NAME in items else None
    for kind, row in found:
        if kind == "instance":
            call.cloud.actions.set_metadata(call.ctx, row["id"], items)
            if renamed is not None and renamed != row["name"]:
                call.cloud.actions.update(call.ctx, row["id"], {"name": renamed})
        else:
            call.cloud.volume_metadata.set_metadata(call.ctx, "volume", row["id"], items)
    return {"return": True}


def delete_tags(call: Call) -> dict[str, Any]:
    asked = tags(call.params)
    found = resources(call)
    for kind, row in found:
        allow(call, kind, row, "delete", "delete")
    for kind, row in found:
        held = row.get("metadata") or {}
        for key in [k for k in held if k in asked or not asked]:
            if asked.get(key) not in (None, held[key]):
                continue  # EC2 deletes a tag given with a value only when the value matches
            if kind == "instance":
                call.cloud.actions.delete_metadata_item(call.ctx, row["id"], key)
            else:
                call.cloud.volume_metadata.delete_metadata_item(call.ctx, "volume",
                                                                row["id"], key)
    return {"return": True}


def describe_tags(call: Call) -> dict[str, Any]:
    call.enforce("os_compute_api:server-metadata:index")
    project = call.caller.project_id
    rows = [("instance", "i", s) for s in ServerViews(call.cloud.store).list(
        {"project_id": project})]
    rows += [("volume", "vol", v) for v in VolumeViews(call.cloud.store).list(project)]
    items = [{"resourceId": ec2_id(prefix, row["id"]), "resourceType": kind, **tag}
             for kind, prefix, row in rows for tag in tag_set(row)]
    fields = {"resource-id": "resourceId", "resource-type": "resourceType", "key": "key",
              "value": "value"}
    for name, values in call.params.filters().items():
        if name not in fields:
            raise invalid_value("Filter.Name", name, "This filter is not supported.")
        items = [i for i in items if i[fields[name]] in values]
    return {"tagSet": items}


ACTIONS: dict[str, Handler] = {
    "CreateTags": create_tags,
    "DeleteTags": delete_tags,
    "DescribeTags": describe_tags,
}
