"""Block Storage `POST /volume/v3/{project_id}/volumes/{volume_id}/action`: every volume action.

The body names one action; its arguments are validated by that action's model (Cinder's JSON
schemas) before the volume is looked up, so a malformed request is a 400 whatever the volume,
and a well-formed one on a volume the caller cannot see is a 404. Each action is one command of
the volume service (domain/services/storage/); os-volume_upload_image answers with what Cinder
answers, the image metadata actions with the metadata (200), the others with 202 (os-set_bootable
200) and no body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project, cinder_quota
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.errors import describe_validation
from api.microversions import Version, VolumeVersion
from api.policy import PolicyEngine
from api.routers.volumes import Extend, ResetStatus, Retype, owned_by, visible
from api.volume_upload import UPLOAD_RULES, Flag, Upload, UploadV31, upload
from domain.errors import InvalidInput
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["volume: volume actions"])

_OWNER, _ADMIN = "rule:admin_or_member", "rule:admin_api"
_ACTIONS = "volume_extension:volume_actions:"
_ADMIN_ACTIONS = "volume_extension:volume_admin_actions:"
_IMAGE_METADATA = "volume_extension:volume_image_metadata:"
RULES = [
    *(policy.RuleDefault(f"{_ACTIONS}{name}", _OWNER) for name in (
        "attach", "detach", "reserve", "unreserve", "begin_detaching", "roll_detaching",
        "update_readonly_flag")),
    *(policy.RuleDefault(f"{_ADMIN_ACTIONS}{name}", _ADMIN) for name in (
        "force_delete", "force_detach")),
    policy.RuleDefault(f"{_IMAGE_METADATA}show", "rule:admin_or_reader"),
    *(policy.RuleDefault(f"{_IMAGE_METADATA}{name}", _OWNER) for name in ("set", "remove")),
    *UPLOAD_RULES,
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Attach(_Strict):
    instance_uuid: UUID | None = None
    mountpoint: Annotated[str, Field(min_length=1, max_length=255)]
    host_name: Annotated[str, Field(max_length=255)] | None = None
    mode: Literal["rw", "ro"] = "rw"


class Detach(_Strict):
    attachment_id: UUID | None = None


class ForceDetach(_Strict):
    attachment_id: UUID | None = None
    connector: dict[str, Any] | str | None = None


class Bootable(_Strict):
    bootable: Flag


class Readonly(_Strict):
    readonly: Flag


class SetImageMetadata(_Strict):
    metadata: dict[Annotated[str, Field(min_length=1, max_length=255)],
                   Annotated[str, Field(max_length=255)]]


class UnsetImageMetadata(_Strict):
    key: Annotated[str, Field(min_length=1, max_length=255)]


class NoArguments(BaseModel):
    """os-reserve and its kin take anything (Cinder's schema is `{}`) and use nothing."""

    model_config = ConfigDict(extra="allow")


Act = Callable[[CloudServices, Caller, PolicyEngine, Row, Any, Version], Any]


def _enforced(rule: str, act: Callable[[CloudServices, Caller, Row, Any], Any]) -> Act:
    def run(cloud: CloudServices, caller: Caller, engine: PolicyEngine, row: Row, args: Any,
            version: Version) -> Any:
        engine.enforce(rule, owned_by(row["project_id"]), caller.creds)
        return act(cloud, caller, row, args)
    return run


def _extend(cloud: CloudServices, caller: Caller, engine: PolicyEngine, row: Row,
            args: Extend, version: Version) -> None:
    """From 3.42 an in-use volume too: it grows under its guest (Cinder's
    extend_attached_volume, with its own policy rule)."""
    engine.enforce("volume:extend", owned_by(row["project_id"]), caller.creds)
    attached = version >= "3.42" and row["status"] == "in-use"
    if attached:
        engine.enforce("volume:extend_attached_volume", owned_by(row["project_id"]),
                       caller.creds)
    with cinder_quota(cloud.store):
        cloud.volumes.extend(caller.ctx, row["id"], args.new_size, attached)


def _retype(cloud: CloudServices, caller: Caller, row: Row, args: Retype) -> None:
    """The type's share of the quota moves with it: over the new type's, Cinder's 413."""
    with cinder_quota(cloud.store):
        cloud.volumes.retype(caller.ctx, row["id"], args.new_type)


def _reset(cloud: CloudServices, caller: Caller, row: Row, args: ResetStatus) -> None:
    if args.attach_status not in (None, "detached", "attached"):
        raise InvalidInput(f"Invalid input received: attach_status {args.attach_status!r} is "
                           "not 'attached' or 'detached'.")
    cloud.volumes.reset_status(caller.ctx, row["id"], args.status.lower(),
                               detach=args.attach_status == "detached")


def _attach(cloud: CloudServices, caller: Caller, row: Row, args: Attach) -> None:
    cloud.volumes.record_attach(caller.ctx, row["id"], args.instance_uuid, args.host_name,
                                args.mountpoint, args.mode)


def _detach(forced: bool) -> Callable[[CloudServices, Caller, Row, Any], None]:
    def run(cloud: CloudServices, caller: Caller, row: Row, args: Any) -> None:
        attachment = args.attachment_id.hex if args and args.attachment_id else None
        cloud.volumes.detach(caller.ctx, row["id"], attachment, forced=forced)
    return run


# name -> (the arguments' model, or one per microversion; what it does; its success status)
ACTIONS: dict[str, tuple[Any, Act, int]] = {
    "os-extend": (Extend, _extend, 202),
    "os-retype": (Retype, _enforced("volume:retype", _retype), 202),
    "os-reset_status": (ResetStatus, _enforced(f"{_ADMIN_ACTIONS}reset_status", _reset), 202),
    "os-force_delete": (NoArguments, _enforced(f"{_ADMIN_ACTIONS}force_delete", lambda c, who,
                        row, a: c.volumes.force_delete(who.ctx, row["id"])), 202),
    "os-force_detach": (ForceDetach, _enforced(f"{_ADMIN_ACTIONS}force_detach",
                                               _detach(forced=True)), 202),
    "os-attach": (Attach, _enforced(f"{_ACTIONS}attach", _attach), 202),
    "os-detach": (Detach | None, _enforced(f"{_ACTIONS}detach", _detach(forced=False)), 202),
    "os-reserve": (NoArguments | None, _enforced(f"{_ACTIONS}reserve", lambda c, who, row, a:
                   c.volumes.reserve(who.ctx, row["id"])), 202),
    "os-unreserve": (NoArguments | None, _enforced(f"{_ACTIONS}unreserve", lambda c, who, row,
                     a: c.volumes.unreserve(who.ctx, row["id"])), 202),
    "os-begin_detaching": (NoArguments | None, _enforced(
        f"{_ACTIONS}begin_detaching",
        lambda c, who, row, a: c.volumes.begin_detaching(who.ctx, row["id"])), 202),
    "os-roll_detaching": (NoArguments | None, _enforced(
        f"{_ACTIONS}roll_detaching",
        lambda c, who, row, a: c.volumes.roll_detaching(who.ctx, row["id"])), 202),
    "os-set_bootable": (Bootable, _enforced("volume:update", lambda c, who, row, a:
                        c.volumes.set_bootable(who.ctx, row["id"], a.bootable)), 200),
    "os-update_readonly_flag": (Readonly, _enforced(
        f"{_ACTIONS}update_readonly_flag",
        lambda c, who, row, a: c.volumes.update_readonly(who.ctx, row["id"], a.readonly)), 202),
    "os-volume_upload_image": ({"3.0": Upload, "3.1": UploadV31}, upload, 202),
    "os-set_image_metadata": (SetImageMetadata, _enforced(
        f"{_IMAGE_METADATA}set", lambda c, who, row, a: {"metadata": c.volumes.set_image_metadata(
            who.ctx, row["id"], a.metadata)}), 200),
    "os-unset_image_metadata": (UnsetImageMetadata, _enforced(
        f"{_IMAGE_METADATA}remove",
        lambda c, who, row, a: c.volumes.unset_image_metadata(who.ctx, row["id"], a.key)), 200),
    "os-show_image_metadata": (NoArguments | None, _enforced(
        f"{_IMAGE_METADATA}show", lambda c, who, row, a: {"metadata": c.volumes.get(
            who.ctx, row["id"]).glance_metadata}), 200),
}


def _model(spec: Any, version: Version) -> Any:
    """The arguments' model at the request's microversion (the newest one it reaches)."""
    if not isinstance(spec, dict):
        return spec
    return next(spec[since] for since in sorted(spec, key=lambda v: tuple(
        int(p) for p in v.split(".")), reverse=True) if version >= since)


@router.post("/volumes/{volume_id}/action", status_code=202)
def action(project_id: str, volume_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion,
           body: Annotated[Any, Body()] = None) -> Any:
    check_path_project(project_id, caller)
    if not isinstance(body, dict) or len(body) != 1:
        raise InvalidInput("Malformed request body: exactly one action is expected.")
    (name, args), = body.items()
    if name not in ACTIONS:
        raise InvalidInput(f"There is no such action: {name}")
    spec, act, status = ACTIONS[name]
    try:
        parsed = TypeAdapter(_model(spec, version)).validate_python(args)
    except ValidationError as invalid:
        raise InvalidInput(describe_validation(invalid)) from None
    row = visible(cloud, caller, volume_id)
    answer = act(cloud, caller, engine, row, parsed, version)
    if not isinstance(answer, dict):
        return Response(status_code=status)
    return JSONResponse(answer, status_code=status)
