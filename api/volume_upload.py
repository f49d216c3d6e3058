"""os-volume_upload_image: its arguments per microversion (3.1 adds visibility and protected),
its policy, and Cinder's answer, which describes the new image and the volume, now uploading."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from oslo_policy import policy
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.auth import Caller
from api.bodies.volumes import TRUTH, dashed
from api.deps import CloudServices
from api.microversions import Version
from api.policy import PolicyEngine
from domain.services.storage.uploads import UploadRequest
from domain.storage.volume_type import DEFAULT_TYPE_ID
from projections.store import Row
from projections.volume_types import VolumeTypeViews

UPLOAD, UPLOAD_PUBLIC = ("volume_extension:volume_actions:upload_image",
                         "volume_extension:volume_actions:upload_public")
UPLOAD_RULES = [policy.RuleDefault(UPLOAD, "rule:admin_or_member"),
                policy.RuleDefault(UPLOAD_PUBLIC, "rule:admin_api")]


def _flag(value: Any) -> Any:
    """Cinder's parameter_types.boolean: a JSON boolean or one of oslo's strings for one."""
    if isinstance(value, str) and value.lower() in TRUTH:
        return TRUTH[value.lower()]
    if isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not a boolean")


Flag = Annotated[bool, BeforeValidator(_flag)]


class Upload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image_name: Annotated[str, Field(min_length=1, max_length=255)]
    force: Flag = False
    disk_format: Literal["raw", "vmdk", "vdi", "qcow2", "vhd", "vhdx", "ploop"] = "raw"
    container_format: Annotated[str, Field(max_length=255)] = "bare"


class UploadV31(Upload):
    visibility: Literal["community", "public", "private", "shared"] = "private"
    protected: Flag = False


def upload(cloud: CloudServices, caller: Caller, engine: PolicyEngine, row: Row,
           args: Upload, version: Version) -> dict[str, Any]:
    target = {"project_id": row["project_id"]}
    engine.enforce(UPLOAD, target, caller.creds)
    visibility = getattr(args, "visibility", "private")
    if visibility == "public":
        engine.enforce(UPLOAD_PUBLIC, target, caller.creds)
    # `force` is accepted and ignored, as by Cinder with enable_force_upload off (its default):
    # an in-use volume is refused as any other one not available.
    request = UploadRequest(args.image_name, args.disk_format, args.container_format,
                            visibility, getattr(args, "protected", False))
    volume, image = cloud.volumes.upload_to_image(caller.ctx, row["id"], request)
    type_id = volume.volume_type_id or DEFAULT_TYPE_ID.hex
    answer: dict[str, Any] = {
        "id": dashed(row["id"]), "updated_at": row["updated_at"], "status": "uploading",
        "display_description": row["description"], "size": volume.size,
        "volume_type": {"id": dashed(type_id),
                        "name": VolumeTypeViews(cloud.store).names().get(type_id)},
        "image_id": str(image.id),
        "container_format": image.container_format, "disk_format": image.disk_format,
        "image_name": image.name}
    if version >= "3.1":
        answer.update(protected=image.protected, visibility=image.visibility)
    return {"os-volume_upload_image": answer}
