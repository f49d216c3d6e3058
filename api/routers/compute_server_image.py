"""Compute's `createImage` server action: a snapshot of the server's root disk as a new image.

Answers 202 at once with the image's location (`Location` header; from microversion 2.45 on the
body `{"image_id": ...}` instead, as Nova does); the image is queued until the host's worker has
copied the disk, then active (domain.services.compute.image_capture).

`compute_server_actions.HANDLERS` dispatches the key here; `RULES` joins its rules.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Response
from fastapi.responses import JSONResponse
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.routers.compute_floating_ip_actions import parsed
from api.routers.compute_servers import caught_up, enforce_on
from api.server_action import Act
from api.validation import Name

RULES = [policy.RuleDefault("os_compute_api:servers:create_image", "rule:admin_or_member"),
         policy.RuleDefault("os_compute_api:os-create-backup", "rule:admin_or_member")]

BODY_FROM = "2.45"  # Nova answers {"image_id"} from here on, and no Location header


MetadataKey = Annotated[str, Field(min_length=1, max_length=255)]
MetadataValue = Annotated[str, Field(max_length=255)]


class CreateImage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    metadata: dict[MetadataKey, MetadataValue] = Field(default_factory=dict, max_length=128)


def create_image(a: Act) -> Response:
    params: CreateImage = parsed(CreateImage, a.value)
    enforce_on(a.engine, "os_compute_api:servers:create_image", a.caller, a.server)
    image = a.cloud.snapshots.create_image(a.caller.ctx, a.id, params.name, params.metadata)
    return answer(a, image.id)


class CreateBackup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    backup_type: str
    rotation: Annotated[int, Field(ge=0)]
    metadata: dict[MetadataKey, MetadataValue] = Field(default_factory=dict, max_length=128)


def create_backup(a: Act) -> Response:
    params: CreateBackup = parsed(CreateBackup, a.value)
    enforce_on(a.engine, "os_compute_api:os-create-backup", a.caller, a.server)
    image = a.cloud.snapshots.create_backup(a.caller.ctx, a.id, params.name, params.backup_type,
                                            params.rotation, params.metadata)
    return answer(a, image.id)


def answer(a: Act, image_id: object) -> Response:
    caught_up(a.cloud)
    if a.version >= BODY_FROM:
        return JSONResponse({"image_id": str(image_id)}, status_code=202)
    location = f"{a.cloud.settings.public_url}/image/v2/images/{image_id}"
    return Response(status_code=202, headers={"Location": location})


HANDLERS = {"createImage": create_image, "createBackup": create_backup}
