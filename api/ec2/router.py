"""`/ec2/`: one endpoint taking `Action=...&Version=...` as a POST form (what botocore sends)
or a GET query. The signature is checked before anything else; each action's handler comes
from its module's `ACTIONS`; every refusal is EC2's error XML, never the OpenStack shape."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.ec2 import (
    addresses,
    catalog,
    images,
    instance_status,
    instances,
    keypairs,
    security_groups,
    snapshots,
    tags,
    volumes,
    xml,
)
from api.ec2.auth import authenticate
from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, dry_run_succeeded, from_domain
from api.ec2.params import Params
from domain.errors import DomainError

log = logging.getLogger(__name__)
router = APIRouter(tags=["ec2"])
RULES: list[object] = []

ACTIONS: dict[str, Handler] = {**catalog.ACTIONS, **keypairs.ACTIONS, **instances.ACTIONS,
                               **images.ACTIONS, **addresses.ACTIONS,
                               **volumes.ACTIONS, **tags.ACTIONS, **instance_status.ACTIONS,
                               **security_groups.ACTIONS, **snapshots.ACTIONS}


def parameters(request: Request, body: bytes) -> Params:
    values = dict(parse_qsl(request.url.query, keep_blank_values=True))
    if request.method == "POST" and body:
        try:
            values.update(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise Ec2Error("InvalidParameterValue", "The body is not a URL-encoded form.") from None
    return Params(values)


def handle(request: Request, body: bytes, request_id: str) -> Response:
    cloud = request.app.state.cloud
    try:
        params = parameters(request, body)
        caller = authenticate(cloud, request, body, request_id, datetime.now(UTC))
        action = params.required("Action")
        handler = ACTIONS.get(action)
        if handler is None:
            raise Ec2Error("InvalidAction", f"The action {action} is not valid for this web "
                           "service.")
        params.required("Version")
        call = Call(cloud, caller, request.app.state.policy, params, request_id)
        try:
            result = handler(call)
        except DomainError as error:
            raise from_domain(error) from None
        if call.dry_run:  # an action that reached no command (a describe) was allowed
            raise dry_run_succeeded()
        return xml.answer(action, request_id, result)
    except Ec2Error as error:
        log.info("EC2 %s refused: %s %s", request_id, error.code, error.message)
        return xml.error(error.code, error.message, request_id, error.status)


@router.api_route("/ec2", methods=["GET", "POST"], include_in_schema=False)
@router.api_route("/ec2/", methods=["GET", "POST"], include_in_schema=False)
async def ec2(request: Request) -> Response:
    body = await request.body()
    return await run_in_threadpool(handle, request, body, request.state.request_id)

