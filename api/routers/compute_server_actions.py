"""Compute `POST /servers/{id}/action`: the server actions, each recorded by the action service
and carried out by the host's compute worker (so most answer 202 at once).

The body names one action; each has Nova's policy rule and body schema. An action the instance's
state does not allow is Nova's 409 conflictingRequest, as is any action on a locked instance by
someone who may not override the lock.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from api.bodies.servers import volume_backed
from api.deps import CallerDep, CloudDep, PolicyDep
from api.errors import ApiError, describe_validation
from api.microversions import ComputeVersion
from api.responses.servers import ConsoleOutputBody
from api.routers import compute_crash_dump as crash_dump
from api.routers import compute_deferred_delete as deferred_delete
from api.routers import compute_evacuate as evacuate
from api.routers import compute_floating_ip_actions as floating_ip_actions
from api.routers import compute_migrations as migrations
from api.routers import compute_rescue_shelve as rescue_shelve
from api.routers import compute_security_group_actions as security_group_actions
from api.routers import compute_server_image as server_image
from api.routers.compute_servers import (
    Metadata,
    ServerCreate,
    changed_shown,
    disk_config,
    enforce_on,
    find_server,
)
from api.server_action import Act
from api.server_hostname import Hostname, hostname_change
from api.trusted_certs import TrustedCerts, certificate_changes
from api.validation import Name
from domain.errors import InvalidInput, InvalidState
from projections.console_logs import ConsoleLogViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: server actions"])

_OWNER = "rule:admin_or_member"
RULES = [policy.RuleDefault(f"os_compute_api:{name}", _OWNER) for name in (
    "servers:reboot", "servers:stop", "servers:start", "servers:resize",
    "servers:confirm_resize", "servers:revert_resize", "servers:rebuild",
    "servers:rebuild:trusted_certs",
    "os-pause-server:pause", "os-pause-server:unpause", "os-suspend-server:suspend",
    "os-suspend-server:resume", "os-lock-server:lock", "os-lock-server:unlock",
    "os-console-output")] + floating_ip_actions.RULES + server_image.RULES + \
    rescue_shelve.RULES + deferred_delete.RULES + crash_dump.RULES + evacuate.RULES + [
    policy.RuleDefault("os_compute_api:os-admin-actions:reset_state", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-admin-actions:inject_network_info", "rule:admin_api")]


class Reboot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]


class Resize(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    flavorRef: Annotated[str, Field(min_length=1)] | int  # noqa: N815 - Nova's field names
    disk_config: Literal["AUTO", "MANUAL"] | None = Field(default=None, alias="OS-DCF:diskConfig")


class Rebuild(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    imageRef: str = Field(min_length=1)  # noqa: N815
    name: Name | None = None
    adminPass: str | None = None  # noqa: N815
    metadata: Metadata | None = None
    disk_config: Literal["AUTO", "MANUAL"] | None = Field(default=None, alias="OS-DCF:diskConfig")
    preserve_ephemeral: Literal[False] = False  # nothing ephemeral survives a rebuild yet
    description: str | None = Field(default=None, max_length=255)
    key_name: str | None = Field(default=None, min_length=1, max_length=255)  # from 2.54
    user_data: str | None = Field(default=None, max_length=65535)  # from 2.57
    trusted_image_certificates: TrustedCerts | None = None  # from 2.63
    hostname: Hostname | None = None  # from 2.90

    @field_validator("user_data")
    @classmethod
    def base64_text(cls, value: str | None) -> str | None:
        return ServerCreate.base64_text(value)  # the boot's rule: base64 text


class ResetState(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["active", "error"]


class Lock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    locked_reason: str | None = Field(default=None, max_length=255)


class ConsoleOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    length: int | None = Field(default=None, ge=-1)


def parsed(model: type[BaseModel], value: Any) -> Any:
    try:
        return model.model_validate(value if value is not None else {})
    except ValidationError as bad:
        raise InvalidInput(describe_validation(bad)) from None


# The aggregate's action for each simple action key, with its policy rule.
SIMPLE = {"os-stop": ("stop", "servers:stop"), "os-start": ("start", "servers:start"),
          "pause": ("pause", "os-pause-server:pause"),
          "unpause": ("unpause", "os-pause-server:unpause"),
          "suspend": ("suspend", "os-suspend-server:suspend"),
          "resume": ("resume", "os-suspend-server:resume")}


def simple(key: str) -> Callable[[Act], Any]:
    action, rule = SIMPLE[key]

    def run(a: Act) -> Response:
        enforce_on(a.engine, f"os_compute_api:{rule}", a.caller, a.server)
        a.cloud.actions.act(a.caller.ctx, a.id, action)
        return a.accepted()

    return run


def reboot(a: Act) -> Response:
    kind = parsed(Reboot, a.value).type.upper()
    enforce_on(a.engine, "os_compute_api:servers:reboot", a.caller, a.server)
    a.cloud.actions.act(a.caller.ctx, a.id, "reboot_hard" if kind == "HARD" else "reboot")
    return a.accepted()


def resize(a: Act) -> Response:
    params: Resize = parsed(Resize, a.value)
    flavor = str(params.flavorRef).rstrip("/").rsplit("/", 1)[-1]
    enforce_on(a.engine, "os_compute_api:servers:resize", a.caller, a.server)
    a.cloud.actions.resize(a.caller.ctx, a.id, flavor, disk_config(params))
    return a.accepted()


def confirm_resize(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:servers:confirm_resize", a.caller, a.server)
    a.cloud.actions.confirm_resize(a.caller.ctx, a.id)
    return Response(status_code=204)


def revert_resize(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:servers:revert_resize", a.caller, a.server)
    a.cloud.actions.revert_resize(a.caller.ctx, a.id)
    return a.accepted()


# Rebuild fields and the microversion that brought each.
REBUILD_SINCE = {"description": "2.19", "key_name": "2.54", "user_data": "2.57",
                 "hostname": "2.90"}


def rebuild(a: Act) -> Response:
    params: Rebuild = parsed(Rebuild, a.value)
    for field, since in REBUILD_SINCE.items():
        if field in params.model_fields_set and a.version < since:
            raise InvalidInput(f"Additional properties are not allowed ('{field}' was unexpected)")
    enforce_on(a.engine, "os_compute_api:servers:rebuild", a.caller, a.server)
    # Renaming and new metadata are bookkeeping beside the rebuild the worker carries out,
    # recorded in the same save.
    changes: dict[str, Any] = {k: v for k, v in (("name", params.name),
                                                 ("metadata", params.metadata)) if v is not None}
    changes.update({**disk_config(params), **hostname_change(params, a.version)})
    for field in ("description", "key_name", "user_data"):  # null clears these
        if field in params.model_fields_set:
            changes[field] = getattr(params, field)
    changes.update(certificate_changes(params, a.version, volume_backed(a.server),
                                       "Image certificate validation is not supported for "
                                       "volume-backed servers."))
    if params.trusted_image_certificates:
        enforce_on(a.engine, "os_compute_api:servers:rebuild:trusted_certs", a.caller, a.server)
    # From 2.93 a volume-backed server's root volume is written again from the image.
    a.cloud.actions.rebuild(a.caller.ctx, a.id, params.imageRef, changes,
                            reimage=a.version >= "2.93")
    body = changed_shown(a.cloud, a.caller, a.engine, a.version, a.id,
                         rebuilt=True).model_dump(mode="json")
    body["adminPass"] = params.adminPass or secrets.token_urlsafe(9)  # shown once, never stored
    return JSONResponse({"server": body}, status_code=202)


def reset_state(a: Act) -> Response:
    params: ResetState = parsed(ResetState, a.value)
    enforce_on(a.engine, "os_compute_api:os-admin-actions:reset_state", a.caller, a.server)
    a.cloud.actions.reset_state(a.caller.ctx, a.id, params.state)
    return a.accepted()


def inject_network_info(a: Act) -> Response:
    """Nova's libvirt driver injects nothing (a guest learns its network from DHCP and its
    config drive; only XenAPI ever wrote it into the guest), so the action is its policy and
    lock checks and a 202, as with Nova on libvirt. Any body value is taken, as Nova's schema."""
    enforce_on(a.engine, "os_compute_api:os-admin-actions:inject_network_info", a.caller,
               a.server)
    if a.server.get("locked") and not a.caller.is_admin:
        raise InvalidState(f"Instance {a.id} is locked")
    return a.accepted()


def reset_network(a: Act) -> Response:
    raise ApiError(410, "The resetNetwork action was removed from Nova (nova-network).")


def lock(a: Act) -> Response:
    params: Lock = parsed(Lock, a.value)
    enforce_on(a.engine, "os_compute_api:os-lock-server:lock", a.caller, a.server)
    # Nova takes a reason from 2.73 on and ignores the body before.
    reason = params.locked_reason if a.version >= "2.73" else None
    a.cloud.actions.lock(a.caller.ctx, a.id, reason)
    return a.accepted()


def unlock(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-lock-server:unlock", a.caller, a.server)
    a.cloud.actions.unlock(a.caller.ctx, a.id)
    return a.accepted()


def console_output(a: Act) -> dict[str, Any]:
    value = a.value if isinstance(a.value, dict) else {}
    if isinstance(value.get("length"), str) and value["length"].lstrip("-").isdigit():
        value = {**value, "length": int(value["length"])}  # Nova takes "50" as well as 50
    length = parsed(ConsoleOutput, value).length
    enforce_on(a.engine, "os_compute_api:os-console-output", a.caller, a.server)
    output = ConsoleLogViews(a.cloud.store).read(a.id, None if length in (None, -1) else length)
    return {"output": output}


HANDLERS: dict[str, Callable[[Act], Any]] = {
    **{key: simple(key) for key in SIMPLE}, "reboot": reboot, "resize": resize,
    "confirmResize": confirm_resize, "revertResize": revert_resize, "rebuild": rebuild,
    "lock": lock, "unlock": unlock, "os-getConsoleOutput": console_output,
    "os-resetState": reset_state, "injectNetworkInfo": inject_network_info,
    "resetNetwork": reset_network,
    **floating_ip_actions.HANDLERS, **server_image.HANDLERS,
    **security_group_actions.HANDLERS, **rescue_shelve.HANDLERS,
    **deferred_delete.HANDLERS, **migrations.HANDLERS, **crash_dump.HANDLERS,
    **evacuate.HANDLERS,
}
# Nova's names in its 409 messages for the aggregate's action names.
API_NAMES = {"confirm_resize": "confirmResize", "revert_resize": "revertResize",
             "reboot_hard": "reboot", "snapshot": "createImage", "backup": "createBackup",
             "shelve_offload": "shelveOffload"}


# The body names one action (its value is that action's own body): documented, so a
# schema-driven client or fuzzer knows the names.
ACTION_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "minProperties": 1, "maxProperties": 1,
    "propertyNames": {"enum": sorted(HANDLERS)}}}}}}


# os-getConsoleOutput answers 200; rebuild, and createImage from 2.45, a 202 with a body (the
# server, the image id), the other actions one without; confirmResize 204.
@router.post("/servers/{server_id}/action", response_model=None, openapi_extra=ACTION_BODY,
             responses={200: {"model": ConsoleOutputBody}, 202: {"description": "No body"},
                        204: {"description": "No body"}})
def act(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
        version: ComputeVersion, body: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    if len(body) != 1:
        raise InvalidInput("Malformed request body: exactly one action is expected")
    [(key, value)] = body.items()
    handler = HANDLERS.get(key)
    if handler is None:
        raise InvalidInput(f"There is no such action: {key}")
    server = find_server(cloud, caller, server_id)
    try:
        return handler(Act(cloud, caller, engine, version, server, value))
    except InvalidState as conflict:
        message = str(conflict)
        for ours, nova in API_NAMES.items():
            message = message.replace(f"'{ours}'", f"'{nova}'")
        raise InvalidState(message) from None
