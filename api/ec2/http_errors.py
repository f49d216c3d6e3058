"""The app-wide refusals (input limits, an unreachable database, an unknown method) answered
under `/ec2` in EC2's error XML rather than an OpenStack shape (api/errors.py asks here)."""

from __future__ import annotations

from fastapi import Request, Response

from api.ec2 import xml

CODES = {400: "InvalidParameterValue", 401: "AuthFailure", 403: "UnauthorizedOperation",
         404: "InvalidAction", 405: "InvalidAction", 413: "RequestEntityTooLarge",
         503: "ServiceUnavailable"}


def is_ec2(request: Request) -> bool:
    return request.url.path == "/ec2" or request.url.path.startswith("/ec2/")


def ec2_error(request: Request, status: int, message: str) -> Response:
    request_id = getattr(request.state, "request_id", "") or ""
    return xml.error(CODES.get(status, "InternalError"), message, request_id, status)
